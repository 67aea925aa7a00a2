package io.onehaul.tm;

import io.onehaul.host.HostShell;
import io.onehaul.lxc.ContainerState;
import io.onehaul.lxc.LxcHost;
import io.onehaul.vmm.ActionFailedException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The safety rule of every TM action that overwrites or deletes: never while the VM's container
 * ({@code one-<vmid>}) is alive on that host using the folder, and never through a mount. oned can be
 * wrong about where a VM runs (a retried or half-failed migration); the host is the truth.
 */
final class FolderGuard {
    private static final Logger log = LoggerFactory.getLogger(FolderGuard.class);
    /** The states in which nothing of the container is running. */
    private static final Set<ContainerState> IDLE = EnumSet.of(ContainerState.STOPPED, ContainerState.UNDEFINED);

    private FolderGuard() {}

    static String containerName(int vmid) {
        return "one-" + vmid;
    }

    /**
     * Refuses when the container is alive on the host and runs from {@code path} (or from a folder that
     * contains it, or that it contains, or from a folder it did not record), or when anything is mounted
     * at or below {@code path}.
     *
     * @param doing what would be done to the folder, for the reason line ("remove", "overwrite")
     */
    static void requireUnused(HostShell sh, String lxcPath, int vmid, String path, String doing) {
        LxcHost lxc = new LxcHost(sh, lxcPath);
        String name = containerName(vmid);
        ContainerState state = lxc.state(name);
        if (!IDLE.contains(state)) {
            String from = lxc.recordedSysdir(name);
            if (from.isEmpty() || Paths.within(from, path) || Paths.within(path, from)) {
                log.error("{} is {} on {}{}: not going to {} {}", name, state, sh.host(),
                        from.isEmpty() ? "" : " from " + from, doing, path);
                throw new ActionFailedException("refusing to " + doing + " " + path + " on " + sh.host() + ": container "
                        + name + " is " + state + " there" + (from.isEmpty() ? "" : " (from " + from + ")"));
            }
            log.info("{} is {} on {} but from {}: {} is not in use", name, state, sh.host(), from, path);
        }
        List<String> mounts = HostFiles.mountsUnder(sh, path);
        if (!mounts.isEmpty()) {
            log.error("{} is in use on {}: {} is mounted", path, sh.host(), mounts.get(0));
            throw new ActionFailedException("refusing to " + doing + " " + path + " on " + sh.host() + ": "
                    + mounts.get(0) + " is still mounted (" + mounts.size() + " mount(s) below it)");
        }
    }

    /** Fails when the container is alive on the host at all (e.g. a migration target that already runs it). */
    static void requireNotRunning(HostShell sh, String lxcPath, int vmid, String why) {
        ContainerState state = new LxcHost(sh, lxcPath).state(containerName(vmid));
        if (!IDLE.contains(state)) {
            throw new ActionFailedException("container " + containerName(vmid) + " is already " + state + " on "
                    + sh.host() + ": " + why);
        }
    }
}
