package io.onehaul.tm;

import io.onehaul.host.HostException;
import io.onehaul.host.HostShell;
import io.onehaul.host.HostShellFactory;
import io.onehaul.lxc.LxcHost;
import io.onehaul.tm.HostFiles.Kind;
import io.onehaul.vmm.ActionFailedException;
import io.onehaul.vmm.StaleHold;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TM's part of a live migration (reference §2.2): one_vmm_exec runs premigrate before the VMM
 * migrate, postmigrate after it succeeded and failmigrate after it failed. The VMM migrate copies the
 * disks itself while the container runs (it knows the mounts), so the TM only prepares the destination
 * and removes whichever folder lost.
 */
public final class MigrateSteps {
    private static final Logger log = LoggerFactory.getLogger(MigrateSteps.class);

    private final TmSettings settings;
    private final HostShellFactory hosts;
    private final PreviousDatastore previousDatastore;

    public MigrateSteps(TmSettings settings, HostShellFactory hosts, PreviousDatastore previousDatastore) {
        this.settings = settings;
        this.hosts = hosts;
        this.previousDatastore = previousDatastore;
    }

    /** The destination must answer, and the VM folder's parent must exist there; nothing is copied. */
    public void premigrate(TmArgs.Migrate a) {
        if (skipped(a, "premigrate")) {
            return;
        }
        try (HostShell dst = reach(a.dstHost())) {
            if (!a.sameHost()) {
                FolderGuard.requireNotRunning(dst, settings.lxcPath(), a.vmid(), "cannot migrate onto it");
            }
            String parent = Paths.parent(a.newSysdir().path());
            HostFiles.mkdirs(dst, parent);
            log.info("destination {} is reachable and has {}; the VMM migrate copies the disks", a.dstHost(), parent);
        }
    }

    /** Removes the folder the VM left: same path on the source host, or the previous datastore's on the same host. */
    public void postmigrate(TmArgs.Migrate a) {
        if (skipped(a, "postmigrate")) {
            return;
        }
        String folder = a.newSysdir().path();
        if (a.sameHost()) {
            // Same host: a datastore-only migration (host and datastore never change together, §4.5).
            int previous = previousDatastore.of(a.vmid());
            if (previous == a.newDsid()) {
                log.info("VM {} stayed in datastore {} on {}: nothing to remove", a.vmid(), previous, a.srcHost());
                return;
            }
            folder = Paths.parent(Paths.parent(folder)) + "/" + previous + "/" + a.vmid();
        }
        removeFolder(a.srcHost(), folder, a.vmid(), "the VM moved to " + a.dstHost() + ":" + a.newSysdir());
    }

    /**
     * Removes what the failed migration left at the destination. When source and destination host are
     * the same the datastore changed (oned refuses a migration to the same host and datastore), so the
     * new folder is never the one the VM still runs from; the guard checks that on the host anyway.
     * Between hosts, a hold the migrate's driver left on the source (it was killed) is resolved first:
     * oned keeps the VM on the source, so any copy on the destination goes and the source runs again
     * ({@link StaleHold}); then a definition the rollback could not remove (the destination did not answer
     * then) goes with the folder.
     */
    public void failmigrate(TmArgs.Migrate a) {
        if (skipped(a, "failmigrate")) {
            return;
        }
        String folder = a.newSysdir().path();
        String name = FolderGuard.containerName(a.vmid());
        RuntimeException sourceError = null;
        if (!a.sameHost()) {
            try (HostShell src = hosts.open(a.srcHost())) {
                new StaleHold(hosts, settings.lxcPath()).resolve(new LxcHost(src, settings.lxcPath()), name, folder, null);
            } catch (RuntimeException e) {
                // the destination's idle leftovers can still go; a running copy there stays (the guard)
                log.error("the source {} of the failed migration was not settled: {}", a.srcHost(), e.getMessage());
                sourceError = e;
            }
            try (HostShell dst = hosts.open(a.dstHost())) {
                StaleHold.releaseIdleCopy(new LxcHost(dst, settings.lxcPath()), name, folder);
            }
        }
        try {
            removeFolder(a.dstHost(), folder, a.vmid(), "the migration failed; the VM stays on " + a.srcHost());
        } catch (RuntimeException e) {
            if (sourceError == null) {
                throw e;
            }
            // a copy kept on the destination because the source could not be settled: the source's reason first
            log.warn("{}:{} stays: {}", a.dstHost(), folder, e.getMessage());
        }
        if (sourceError != null) {
            throw sourceError instanceof ActionFailedException af ? af
                    : new ActionFailedException("source " + a.srcHost() + ": " + sourceError.getMessage(), sourceError);
        }
    }

    private void removeFolder(String host, String folder, int vmid, String why) {
        try (HostShell sh = hosts.open(host)) {
            if (HostFiles.kind(sh, folder) == Kind.MISSING) {
                log.info("{}:{} is already gone", host, folder);
                return;
            }
            FolderGuard.requireUnused(sh, settings.lxcPath(), vmid, folder, "remove");
            HostFiles.removeTree(sh, folder, settings.copyTimeout());
            log.info("removed {}:{} ({})", host, folder, why);
        }
    }

    private HostShell reach(String host) {
        try {
            return hosts.open(host);
        } catch (HostException e) {
            // SSHJ reports a name that resolves nowhere as the bare name: say what it means.
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof java.net.UnknownHostException) {
                    throw new ActionFailedException("destination host " + host
                            + " is not reachable: its name does not resolve", e);
                }
            }
            throw new ActionFailedException("destination host " + host + " is not reachable: " + e.getMessage(), e);
        }
    }

    private static boolean skipped(TmArgs.Migrate a, String action) {
        if (a.fromOtherTm()) {
            log.info("{} called by system TM {} for its disks: nothing for onehaul to do", action, a.callerTm());
            return true;
        }
        return false;
    }
}
