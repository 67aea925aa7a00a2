package io.onehaul.vmm;

import io.onehaul.criu.Checkpointer;
import io.onehaul.host.HostShell;
import io.onehaul.host.HostShellFactory;
import io.onehaul.lxc.ContainerState;
import io.onehaul.lxc.IdMap;
import io.onehaul.lxc.LxcHost;
import io.onehaul.lxc.PreparedDisk;
import io.onehaul.opennebula.BadInputException;
import io.onehaul.opennebula.DriverMessage;
import io.onehaul.opennebula.HistoryRecord;
import io.onehaul.opennebula.Names;
import io.onehaul.opennebula.VmXml;
import io.onehaul.opennebula.VmmArgs;
import io.onehaul.policy.guard.PlacementGuard;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lxc_live lifecycle actions other than migrate. Each is safe to run again after a failure or a
 * retry by oned: it looks at what the host has first, and on failure it removes what it had made.
 */
public final class ContainerLifecycle {
    private static final Logger log = LoggerFactory.getLogger(ContainerLifecycle.class);

    private final DriverSettings settings;
    private final HostShellFactory hosts;
    private final ContainerSetup setup;
    private final PlacementGuard guard;

    public ContainerLifecycle(DriverSettings settings, HostShellFactory hosts, PlacementGuard guard) {
        this.settings = settings;
        this.hosts = hosts;
        this.setup = new ContainerSetup(settings);
        this.guard = guard;
    }

    /** LCM state SAVE_MIGRATE: save/shutdown/cancel is the first step of a cold migration (reference §2.3). */
    static final int LCM_SAVE_MIGRATE = 7;

    /**
     * The first step of a cold migration runs on the old host, but the VM's history already names the
     * new one: check the policy there before the container is stopped or checkpointed.
     */
    private void checkColdMigrationTarget(String operation, VmXml vm, String fromHost) {
        if (vm.lcmState() == LCM_SAVE_MIGRATE) {
            vm.currentHistory().filter(h -> !h.hostname().equals(fromHost))
                    .ifPresent(h -> guard.check(operation, vm.id(), vm, fromHost, h.hostname()));
        }
    }

    /** deploy: returns the deploy id (container name) oned stores. */
    public String deploy(VmmArgs.Deploy args, VmXml vm) {
        requireSameVm(args.vmid(), vm);
        HistoryRecord h = vm.currentHistory()
                .orElseThrow(() -> new BadInputException("deployment VM XML has no HISTORY record"));
        if (!h.hostname().equals(args.host())) {
            throw new BadInputException("deploy: VM history names host " + h.hostname() + ", argv names " + args.host());
        }
        String name = containerName(vm);
        String sysdir = settings.sysdir(h.datastoreId(), vm.id());
        guard.check("deploy", vm.id(), vm, "", args.host());
        try (HostShell sh = hosts.open(args.host())) {
            LxcHost lxc = new LxcHost(sh, settings.lxcPath());
            ContainerState state = lxc.state(name);
            if (state == ContainerState.RUNNING) {
                if (sysdir.equals(lxc.recordedSysdir(name))) {
                    log.info("{} is already running on {} from {}: nothing to do", name, args.host(), sysdir);
                    return name;
                }
                throw new ActionFailedException("a container named " + name + " is already running on " + args.host()
                        + " from another folder (" + lxc.recordedSysdir(name) + ")");
            }
            if (state != ContainerState.UNDEFINED) {
                log.info("{} is defined on {} but {}: starting from a clean slate", name, args.host(), state);
                release(lxc, name, sysdir, true);
            }
            List<PreparedDisk> disks = prepare(lxc, vm, name, sysdir);
            try {
                log.info("starting {} on {}", name, args.host());
                lxc.start(name, settings.startTimeout());
            } catch (RuntimeException e) {
                release(lxc, name, sysdir, true);
                throw e;
            }
            log.info("{} is running on {} (rootfs {})", name, args.host(), rootDescription(disks));
            return name;
        }
    }

    /** shutdown (kill=false) and cancel (kill=true): the container is gone, its datastore folder stays. */
    public void stop(VmmArgs.OnContainer args, DriverMessage msg, boolean kill) {
        requireSameVm(args.vmid(), msg.vm());
        checkColdMigrationTarget(kill ? "cancel-migrate" : "shutdown-migrate", msg.vm(), args.host());
        try (HostShell sh = hosts.open(args.host())) {
            LxcHost lxc = new LxcHost(sh, settings.lxcPath());
            String name = args.deployId();
            String sysdir = sysdirOnHost(lxc, name, msg);
            settleStaleMigration(lxc, name, sysdir);
            ContainerState state = lxc.state(name);
            if (state == ContainerState.UNDEFINED) {
                log.info("{} is not defined on {}: already stopped", name, args.host());
            } else if (state != ContainerState.STOPPED) {
                log.info("{} {} on {}", kill ? "killing" : "stopping", name, args.host());
                lxc.stop(name, kill, settings.stopTimeout());
            }
            release(lxc, name, sysdir, false);
            log.info("{} stopped and removed from {}; datastore folder {} kept", name, args.host(), sysdir);
        }
    }

    /** reboot: a clean stop (killed after the stop timeout) and a fresh start, as the stock driver does. */
    public void reboot(VmmArgs.OnContainer args, DriverMessage msg) {
        requireSameVm(args.vmid(), msg.vm());
        try (HostShell sh = hosts.open(args.host())) {
            LxcHost lxc = new LxcHost(sh, settings.lxcPath());
            settleStaleMigration(lxc, args.deployId(), sysdirOnHost(lxc, args.deployId(), msg));
            requireRunning(lxc, args.deployId());
            log.info("rebooting {} on {}", args.deployId(), args.host());
            lxc.stop(args.deployId(), false, settings.stopTimeout());
            lxc.start(args.deployId(), settings.startTimeout());
        }
    }

    /** reset: a hard stop and a fresh start from the same config. */
    public void reset(VmmArgs.OnContainer args, DriverMessage msg) {
        requireSameVm(args.vmid(), msg.vm());
        try (HostShell sh = hosts.open(args.host())) {
            LxcHost lxc = new LxcHost(sh, settings.lxcPath());
            settleStaleMigration(lxc, args.deployId(), sysdirOnHost(lxc, args.deployId(), msg));
            ContainerState state = lxc.state(args.deployId());
            if (state == ContainerState.UNDEFINED) {
                throw new ActionFailedException(args.deployId() + " is not defined on " + args.host());
            }
            log.info("resetting {} on {}", args.deployId(), args.host());
            if (state != ContainerState.STOPPED) {
                lxc.stop(args.deployId(), true, settings.stopTimeout());
            }
            lxc.start(args.deployId(), settings.startTimeout());
        }
    }

    /**
     * save: CRIU checkpoint into the checkpoint path; the container stops and its mounts are released. A save
     * still running from a driver that was killed or lost the host is waited for first, so a retry finds its
     * outcome instead of starting over (idempotent).
     */
    public void save(VmmArgs.Save args, DriverMessage msg) {
        requireSameVm(args.vmid(), msg.vm());
        checkColdMigrationTarget("save-migrate", msg.vm(), args.host());
        try (HostShell sh = hosts.open(args.host())) {
            LxcHost lxc = new LxcHost(sh, settings.lxcPath());
            Checkpointer criu = new Checkpointer(lxc, settings.criu(), settings.checkpointTimeout());
            String name = args.deployId();
            String earlier = criu.awaitPendingSave(args.checkpointFile());
            if (!earlier.equals("none")) {
                log.info("an earlier save of {} into {} had not been waited for: it ended with {}", name,
                        args.checkpointFile(), earlier);
            }
            String sysdir = sysdirOnHost(lxc, name, msg);
            settleStaleMigration(lxc, name, sysdir);
            ContainerState state = lxc.state(name);
            if (state == ContainerState.FROZEN) {
                log.warn("{} is FROZEN on {} (a CRIU that did not finish): thawing it before the save", name, args.host());
                criu.recoverFromFailedDump(name);
                state = lxc.state(name);
            }
            if (state == ContainerState.RUNNING) {
                log.info("checkpointing {} on {} into {}", name, args.host(), args.checkpointFile());
                try {
                    var took = criu.dumpAndStop(name, args.checkpointFile());
                    log.info("checkpoint of {} done in {} ms; container stopped", name, took.toMillis());
                } catch (RuntimeException e) {
                    keepRunningAfterFailedDump(criu, lxc, name);
                    throw e;
                }
            } else if ((state == ContainerState.STOPPED || state == ContainerState.UNDEFINED)
                    && criu.isComplete(args.checkpointFile())) {
                log.info("{} is already saved in {}", name, args.checkpointFile());
            } else {
                throw new ActionFailedException(name + " on " + args.host() + " is " + state
                        + " and there is no complete checkpoint in " + args.checkpointFile()
                        + criu.incompleteReason(args.checkpointFile()).map(r -> " (" + r + ")").orElse(""));
            }
            release(lxc, name, sysdir, false);
        }
    }

    /** A dump that failed must leave the container as it was: running, not frozen, its network not locked. */
    private static void keepRunningAfterFailedDump(Checkpointer criu, LxcHost lxc, String name) {
        try {
            criu.recoverFromFailedDump(name);
            log.info("{} is {} on {} after the failed dump", name, lxc.state(name), lxc.host());
        } catch (RuntimeException e) {
            log.warn("could not check {} on {} after the failed dump: {}", name, lxc.host(), e.getMessage());
        }
    }

    /**
     * restore: the container comes back from the checkpoint with its processes, on this host. Only a complete
     * checkpoint is restored (every file the dump wrote, at its size); anything else refuses before anything
     * changes. A restore that was cut off is retried from the same checkpoint (removed only once the container
     * runs).
     */
    public void restore(VmmArgs.Restore args, DriverMessage msg) {
        VmXml vm = msg.vm();
        requireSameVm(args.vmid(), vm);
        String name = args.deployId();
        String sysdir = parentOf(args.checkpointFile());
        guard.check("restore", vm.id(), vm, "", args.host());
        try (HostShell sh = hosts.open(args.host())) {
            LxcHost lxc = new LxcHost(sh, settings.lxcPath());
            Checkpointer criu = new Checkpointer(lxc, settings.criu(), settings.checkpointTimeout());
            String earlier = criu.awaitPendingSave(args.checkpointFile());
            if (!earlier.equals("none")) {
                log.info("a save into {} was still running on {}: it ended with {}", args.checkpointFile(), args.host(),
                        earlier);
            }
            ContainerState state = lxc.state(name);
            if (state == ContainerState.RUNNING && sysdir.equals(lxc.recordedSysdir(name))) {
                log.info("{} is already running on {}: nothing to restore", name, args.host());
                removeStaleCheckpoint(sh, args.checkpointFile());
                return;
            }
            if (state == ContainerState.RUNNING) {
                throw new ActionFailedException("a container named " + name + " is already running on " + args.host());
            }
            var incomplete = criu.incompleteReason(args.checkpointFile());
            if (incomplete.isPresent()) {
                throw new ActionFailedException("not restoring " + name + " on " + args.host() + ": "
                        + args.checkpointFile() + " is not a complete checkpoint (" + incomplete.get()
                        + "); nothing was changed");
            }
            // The processes come back with the ids they had: the checkpoint's map, whatever the VM now asks for.
            IdMap map = criu.imagesIdMap(args.checkpointFile());
            if (map.privileged() && !settings.privilegedAllowed()) {
                throw new BadInputException("not restoring " + name + " on " + args.host() + ": " + args.checkpointFile()
                        + " holds a privileged container (saved with " + IdMap.TEMPLATE_SWITCH + " = \"no\", or by a "
                        + "OneHaul from before unprivileged containers), whose root would be root on the host, and this "
                        + "cloud does not allow privileged containers (" + IdMap.ALLOW_SETTING + " = true in onehaul.conf "
                        + "allows it; or power the VM off and on to run it unprivileged); nothing was changed");
            }
            int stray = lxc.killStrayProcesses(name);
            if (stray > 0) {
                log.warn("{} process(es) of {} were running on {} outside LXC (a restore that did not finish): killed",
                        stray, name, args.host());
            }
            if (state != ContainerState.UNDEFINED) {
                log.info("{} is {} on {} (a restore or save that did not finish): starting from a clean slate", name,
                        state, args.host());
                release(lxc, name, sysdir, true);
            }
            setup.prepare(lxc, vm, name, sysdir, map);
            try {
                log.info("restoring {} on {} from {}", name, args.host(), args.checkpointFile());
                var took = criu.restore(name, args.checkpointFile());
                lxc.announce(name);
                lxc.confirmRunning(name);
                log.info("{} restored and running on {} ({} ms)", name, args.host(), took.toMillis());
                removeStaleCheckpoint(sh, args.checkpointFile());
            } catch (RuntimeException e) {
                lxc.killStrayProcesses(name); // a failed restore can leave tasks no monitor knows of
                release(lxc, name, sysdir, true);
                throw e;
            }
        }
    }

    /** A live migration's hold its killed driver left on this host is resolved before anything else ({@link StaleHold}). */
    private void settleStaleMigration(LxcHost lxc, String name, String sysdir) {
        if (!sysdir.isEmpty()) {
            new StaleHold(hosts, settings.lxcPath()).resolve(lxc, name, sysdir, null);
        }
    }

    /**
     * The images are as large as the container's memory and stale once it runs again: they must not travel
     * with the VM folder on the next move, nor be restored a second time.
     */
    private static void removeStaleCheckpoint(HostShell sh, String checkpoint) {
        sh.run("rm -rf " + io.onehaul.host.Shell.quote(checkpoint), java.time.Duration.ofSeconds(60));
    }

    private List<PreparedDisk> prepare(LxcHost lxc, VmXml vm, String name, String sysdir) {
        return setup.prepare(lxc, vm, name, sysdir);
    }

    private void release(LxcHost lxc, String name, String sysdir, boolean killFirst) {
        setup.release(lxc, name, sysdir, killFirst);
    }

    private String sysdirOnHost(LxcHost lxc, String name, DriverMessage msg) {
        String recorded = lxc.recordedSysdir(name);
        if (!recorded.isEmpty()) {
            return Names.absolutePath(recorded, "recorded VM folder");
        }
        return msg.datastore().map(ds -> settings.sysdir(ds.id(), msg.vm().id())).orElse("");
    }

    private static void requireRunning(LxcHost lxc, String name) {
        ContainerState s = lxc.state(name);
        if (s != ContainerState.RUNNING) {
            throw new ActionFailedException(name + " is " + s + " on " + lxc.host() + ", not RUNNING");
        }
    }

    static String containerName(VmXml vm) {
        String id = vm.deployId();
        return id.isEmpty() ? "one-" + vm.id() : Names.deployId(id);
    }

    static void requireSameVm(int argvVmid, VmXml vm) {
        if (vm.id() != argvVmid) {
            throw new BadInputException("argv names VM " + argvVmid + " but stdin describes VM " + vm.id());
        }
    }

    private static String parentOf(String path) {
        int i = path.lastIndexOf('/');
        if (i <= 0) {
            throw new BadInputException("checkpoint path '" + path + "' has no parent folder");
        }
        return path.substring(0, i);
    }

    private static String rootDescription(List<PreparedDisk> disks) {
        return disks.stream().filter(d -> d.role() == PreparedDisk.Role.ROOT).findFirst()
                .map(d -> d.loopMount() ? "image " + d.source() + " loop-mounted" : "folder " + d.source())
                .orElse("?");
    }
}
