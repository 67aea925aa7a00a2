package io.onehaul.vmm;

import static io.onehaul.host.HostShell.QUICK;

import io.onehaul.criu.HeldDump;
import io.onehaul.criu.HoldLease;
import io.onehaul.criu.LazyPages;
import io.onehaul.criu.PageServer;
import io.onehaul.host.HostShell;
import io.onehaul.host.HostShellFactory;
import io.onehaul.host.Shell;
import io.onehaul.lxc.ContainerState;
import io.onehaul.lxc.LxcHost;
import io.onehaul.transfer.SshTunnel;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live migration's hold that its driver left behind (killed, its host rebooted): the work folder in the
 * source's VM folder still holds a dump. TM failmigrate and the VM's next action on the source resolve it
 * before anything else, as the driver's rollback would have: oned keeps the VM on the source, so a copy on
 * the destination (a restore that began) is stopped and its LXC definition and mounts released first, then
 * the hold is aborted and the source goes on. Exactly one copy must run, so the rule bends in two cases:
 * <ul>
 *   <li>the migration had committed (decision "commit"): the destination is the copy that runs, the source's
 *       remains are released and the caller is told that oned's record is wrong;</li>
 *   <li>the restore may have begun and the destination cannot be reached: whether a copy runs there is
 *       unknown, so the source stays held (until the hold limit) and the caller fails with the reason.</li>
 * </ul>
 */
public final class StaleHold {
    private static final Logger log = LoggerFactory.getLogger(StaleHold.class);
    /** A killed driver's lease command notices its closed channel within half a second; wait a little longer. */
    static final Duration LEASE_END_WAIT = HeldDump.LEASE_GRACE.plusSeconds(2);
    /** How long CRIU may take to act on the abort of an orphaned hold before what it left is undone anyway. */
    static final Duration ABORT_WAIT = Duration.ofSeconds(60);
    /** How long a restore the dead driver began may go on before it is ended (1 GiB restores in 4–10 s here). */
    static final Duration RESTORE_END_WAIT = Duration.ofSeconds(120);
    private static final Set<ContainerState> ALIVE = EnumSet.of(ContainerState.RUNNING, ContainerState.FROZEN,
            ContainerState.FREEZING, ContainerState.THAWED, ContainerState.STARTING);

    /** The destination a caller already holds open (e.g. the migration being retried), or none. */
    public record Destination(LxcHost host, String folder) {}

    private final HostShellFactory hosts;
    private final String lxcPath;

    /** @param hosts opens the destination recorded in the work folder when the caller has not opened it */
    public StaleHold(HostShellFactory hosts, String lxcPath) {
        this.hosts = hosts;
        this.lxcPath = lxcPath;
    }

    /** What the work folder says. */
    record Found(boolean present, boolean started, String decision, boolean leaseAlive, boolean restoreMayHaveBegun,
                 boolean lazy, String destinationHost, String destinationFolder) {
        static Found parse(String out) {
            Map<String, String> m = new HashMap<>();
            out.lines().forEach(l -> {
                int eq = l.indexOf('=');
                if (eq > 0) {
                    m.put(l.substring(0, eq), l.substring(eq + 1).strip());
                }
            });
            String[] dest = m.getOrDefault("destination", "").split(" ", 2);
            // a lazy dump's restore begins with no mark; a held one's once its lease is renamed "begun"
            boolean lazy = "1".equals(m.get("lazy"));
            boolean known = !lazy && ("1".equals(m.get("lease")) || "1".equals(m.get("lost")));
            return new Found("1".equals(m.get("present")), "1".equals(m.get("started")), m.getOrDefault("decision", ""),
                    "1".equals(m.get("alive")), !known, lazy, dest[0], dest.length > 1 ? dest[1] : "");
        }
    }

    static String probeCommand(String work) {
        String w = Shell.quote(work);
        return "cd " + w + " 2>/dev/null || { echo present=0; exit 0; }; echo present=1; "
                + "[ -f dump-start ] && echo started=1; echo \"decision=$(cat decision 2>/dev/null)\"; "
                + "[ -f " + HoldLease.FILE + " ] && echo lease=1; [ -f " + HoldLease.LOST + " ] && echo lost=1; "
                + "[ -f " + HoldLease.RESTORE_BEGUN + " ] && echo begun=1; "
                + "[ -f " + HeldDump.SERVES_PAGES_FILE + " ] && echo lazy=1; "
                + "p=$(cat " + HoldLease.FILE + " " + HoldLease.RESTORE_BEGUN + " 2>/dev/null | head -n 1); "
                + HoldLease.aliveTest("p") + " && echo alive=1; "
                + "echo \"destination=$(head -n 1 " + HeldDump.DESTINATION_FILE + " 2>/dev/null)\"; true";
    }

    /**
     * Resolves a hold left in {@code sysdir}'s work folder on {@code src}, if there is one.
     *
     * @param dst the migration's destination when the caller knows it (failmigrate, a retried migrate); else the
     *            one the work folder records is opened
     * @throws ActionFailedException when it cannot be resolved without risking two running copies or none
     */
    public void resolve(LxcHost src, String container, String sysdir, Destination dst) {
        String work = sysdir + "/" + LxcCriuMigrationSteps.WORK;
        Found f = Found.parse(src.shell().run(probeCommand(work), QUICK).stdout());
        if (!f.present()) {
            closeTunnels(src, container); // a driver that died before its dump began
            return;
        }
        HeldDump held = new HeldDump(src, null, work, ABORT_WAIT);
        if (f.leaseAlive() && !leaseEnded(src, work)) {
            throw new ActionFailedException("a live migration of " + container + " from " + src.host()
                    + (f.destinationHost().isEmpty() ? "" : " to " + f.destinationHost()) + " is still in progress "
                    + "(its driver's lease in " + work + " is alive): try again when it has ended");
        }
        closeTunnels(src, container);
        if (!f.started()) {
            held.remove(); // a dump that never started: nothing is held
            return;
        }
        log.warn("{} on {}: a live migration's hold was left behind (decision '{}', restore {}begun): resolving it",
                container, src.host(), f.decision(), f.restoreMayHaveBegun() ? "may have " : "not ");
        if (f.decision().equals("commit")) {
            finishCommit(src, container, sysdir, held, f);
            return;
        }
        boolean sourceAlive = ALIVE.contains(src.state(container));
        if (!f.destinationHost().isEmpty() && !f.destinationHost().equals(src.host())) {
            releaseDestination(container, f, dst, sourceAlive);
        }
        if (!sourceAlive && !f.restoreMayHaveBegun()) {
            log.error("{} is not running on {} and its hold is gone", container, src.host());
        }
        // a lazy dump serving pages reads no decision until its page service ends
        boolean runs = HeldSourceRelease.resume(src, container, held, f.lazy(), ABORT_WAIT);
        log.info("the hold of {} on {} was aborted: {}", container, src.host(),
                runs ? "the source runs again" : "but the source does not run");
    }

    /** The dead driver's tunnels (setsid ssh forwards) outlive it: they would hold its ports for good. */
    private static void closeTunnels(LxcHost src, String container) {
        SshTunnel.closeByPidFile(src.shell(), TunnelPidFiles.pageServer(container));
        SshTunnel.closeByPidFile(src.shell(), TunnelPidFiles.lazyPages(container));
    }

    /** Waits for the lease command of a driver that just died to notice it; true if it has. */
    private static boolean leaseEnded(LxcHost src, String work) {
        String w = Shell.quote(work);
        return src.shell().run("cd " + w + " || exit 0; i=0; while :; do p=$(cat " + HoldLease.FILE + " "
                + HoldLease.RESTORE_BEGUN + " 2>/dev/null | head -n 1); " + HoldLease.aliveTest("p") + " || exit 0; "
                + "i=$((i+1)); [ $i -gt " + LEASE_END_WAIT.toMillis() / 100 + " ] && exit 1; sleep 0.1; done",
                LEASE_END_WAIT.plus(QUICK)).ok();
    }

    /**
     * The destination's copy goes before the source resumes: oned keeps the VM on the source. A copy that
     * runs there is stopped only while the source's copy is alive (else it is the only one); one that may
     * have been restored but cannot be looked at keeps the source held.
     */
    private void releaseDestination(String container, Found f, Destination given, boolean sourceAlive) {
        boolean same = given != null && given.host().host().equals(f.destinationHost());
        HostShell opened = null;
        try {
            LxcHost dst;
            try {
                if (same) {
                    dst = given.host();
                } else {
                    opened = hosts.open(f.destinationHost());
                    dst = new LxcHost(opened, lxcPath);
                }
                releaseOn(dst, container, f.destinationFolder(), sourceAlive);
            } catch (ActionFailedException e) {
                throw e;
            } catch (RuntimeException e) {
                if (f.restoreMayHaveBegun()) {
                    throw new ActionFailedException(container + " stays held on its source: the restore on "
                            + f.destinationHost() + " may have begun and that host cannot be looked at (" + e.getMessage()
                            + "); run this again once it answers (the hold ends by itself at its limit)", e);
                }
                log.warn("{}: could not clean {} ({}); the restore had not begun, so the source resumes", container,
                        f.destinationHost(), e.getMessage());
            }
        } finally {
            if (opened != null) {
                opened.close();
            }
        }
    }

    private static void releaseOn(LxcHost dst, String container, String folder, boolean sourceAlive) {
        awaitRestoreEnd(dst, container);
        PageServer.stop(dst.shell(), folder + "/" + LxcCriuMigrationSteps.WORK); // one the dump never reached
        ContainerState s = dst.state(container);
        if (s == ContainerState.UNDEFINED) {
            dst.unmountDisks(folder);
            return;
        }
        String recorded = dst.recordedSysdir(container);
        if (!recorded.isEmpty() && !recorded.equals(folder)) {
            log.info("{} on {} runs from {}, not from the migration's {}: left alone", container, dst.host(), recorded, folder);
            return;
        }
        if (ALIVE.contains(s)) {
            if (!sourceAlive) {
                throw new ActionFailedException(container + " runs on " + dst.host() + " and no longer on its source: it "
                        + "is the only copy, so it is kept; oned's record of the VM's host is wrong");
            }
            log.warn("stopping the copy of {} on {}: the migration failed and the source's copy is the VM", container,
                    dst.host());
            // a post-copy copy kept frozen by its guard is killed by the guard once let go (never thawed first)
            String work = folder + "/" + LxcCriuMigrationSteps.WORK;
            LazyPages.stop(dst.shell(), work + "/images", work);
            dst.stop(container, true, QUICK);
        }
        dst.unmountDisks(folder);
        dst.undefine(container);
        log.info("{}: definition and mounts released on {}", container, dst.host());
    }

    /**
     * A restore the dead driver started goes on without it: a copy undefined under a restore still running
     * would come up with no definition. Let it end first (it has its own limit; a stuck one is killed).
     */
    private static void awaitRestoreEnd(LxcHost dst, String container) {
        String restoring = "pgrep -f " + Shell.quote("[l]xc-checkpoint .*-n " + container + " -r");
        dst.shell().run("i=0; while " + restoring + " >/dev/null; do i=$((i+1)); if [ $i -gt "
                + RESTORE_END_WAIT.toMillis() / 100 + " ]; then pkill -KILL -f " + Shell.quote("[c]riu restore") + " -P $("
                + restoring + " | head -n 1); break; fi; sleep 0.1; done; true", RESTORE_END_WAIT.plus(QUICK));
    }

    /** The migration committed before its driver died: the source's remains go, the destination's copy stays. */
    private void finishCommit(LxcHost src, String container, String sysdir, HeldDump held, Found f) {
        try {
            held.commit(ABORT_WAIT);
        } catch (RuntimeException e) {
            log.warn("the committed dump on {} did not report its end: {}", src.host(), e.getMessage());
        }
        if (src.state(container) != ContainerState.UNDEFINED) {
            if (src.state(container) != ContainerState.STOPPED) {
                src.stop(container, true, QUICK);
            }
            src.unmountDisks(sysdir);
            src.undefine(container);
        }
        held.remove();
        throw new ActionFailedException("the live migration of " + container + " to " + f.destinationHost()
                + " had committed before its driver died: the container runs there, not on " + src.host());
    }

    /**
     * Releases a copy of the container on a migration's destination that is not running (a restore that
     * failed, a rollback that could not reach the host), if it was defined from {@code folder}.
     *
     * @return true if something was released
     */
    public static boolean releaseIdleCopy(LxcHost dst, String container, String folder) {
        ContainerState s = dst.state(container);
        if (s == ContainerState.UNDEFINED || ALIVE.contains(s)) {
            return false;
        }
        String recorded = dst.recordedSysdir(container);
        if (!recorded.isEmpty() && !recorded.equals(folder)) {
            return false;
        }
        PageServer.stop(dst.shell(), folder + "/" + LxcCriuMigrationSteps.WORK);
        dst.unmountDisks(folder);
        dst.undefine(container);
        log.info("{}: the definition a failed migration left on {} ({}) was released", container, dst.host(), s);
        return true;
    }
}
