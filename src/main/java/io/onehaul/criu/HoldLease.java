package io.onehaul.criu;

import static io.onehaul.host.HostShell.QUICK;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostException;
import io.onehaul.host.HostScript;
import io.onehaul.host.HostShell;
import io.onehaul.host.Shell;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's lease on a held dump: a command that runs on the source host for as long as the driver's
 * SSH session does, its pid in the work folder's {@value #FILE} file. It prints a line every half second,
 * so once the driver (or its connection) is gone, the next write fails and the command dies with SIGPIPE.
 * The hold script ({@link HeldDump}) sees the pid gone and aborts the hold after {@link HeldDump#LEASE_GRACE}
 * — but only while the file is there: the driver renames it to {@value #RESTORE_BEGUN} right before the
 * destination restores ({@link HeldDump#beginRestore()}), and from then on a copy may run on the destination,
 * so only the driver, TM failmigrate, the VM's next action ({@code StaleHold}) or the hard limit decide.
 * Whichever renames {@value #FILE} first wins: a rename is atomic, so the script's abort and the driver's
 * restore can never both happen.
 */
public final class HoldLease {
    private static final Logger log = LoggerFactory.getLogger(HoldLease.class);
    /** In the work folder while the hold may abort by itself: the lease command's pid. */
    public static final String FILE = "lease";
    /** What {@value #FILE} becomes when the destination's restore begins (same content: the pid). */
    public static final String RESTORE_BEGUN = "restore-begun";
    /** What {@value #FILE} becomes when the hold script aborted because the lease was gone. */
    public static final String LOST = "lease-lost";
    /** How long the lease command may take to write its pid (one SSH session on these links: well under 1 s). */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(15);
    /** The lease's own command never ends by itself; this only bounds a session that went silent. */
    private static final Duration FOREVER = Duration.ofDays(7);

    private final HostShell shell;
    private final String work;
    private final Thread session;

    private HoldLease(HostShell shell, String work, Thread session) {
        this.shell = shell;
        this.work = work;
        this.session = session;
    }

    /** Starts the lease command in a session of its own and returns once its pid is in the work folder. */
    public static HoldLease take(HostShell shell, String work) {
        String w = Shell.quote(work);
        // "echo $$" is this shell's pid; the loop is the same process, and its echo is what dies with the channel
        String command = "cd " + w + " && echo $$ > " + FILE + ".tmp && mv " + FILE + ".tmp " + FILE
                + " && while echo alive; do sleep 0.5; done";
        Thread t = new Thread(() -> {
            try {
                shell.run(command, FOREVER);
            } catch (RuntimeException e) {
                log.debug("the lease on {} ended: {}", shell.host(), e.getMessage());
            }
        }, "hold-lease-" + shell.host());
        t.setDaemon(true);
        t.start();
        var r = shell.run(HostScript.withLibrary("cd " + w + " && wait_for " + READY_TIMEOUT.toMillis() / 20 + " test -s "
                + FILE), READY_TIMEOUT.plusSeconds(10));
        if (!r.ok()) {
            throw new HostException(shell.host(), "the driver's lease on the held dump did not start: " + r.reason());
        }
        return new HoldLease(shell, work, t);
    }

    /**
     * Renames the lease to {@value #RESTORE_BEGUN}, unless the hold script took it first (then the hold has
     * ended, or is ending, by itself: HostException with its decision).
     */
    public static void markRestoreBegun(HostShell shell, String work) {
        CommandResult r = shell.run("cd " + Shell.quote(work) + " && mv " + FILE + " " + RESTORE_BEGUN
                + " 2>/dev/null || { echo \"the hold ended by itself ($(cat decision 2>/dev/null))\" >&2; exit 1; }", QUICK);
        if (!r.ok()) {
            throw new HostException(shell.host(), "the source is no longer held, the destination must not restore: "
                    + r.reason());
        }
    }

    /** Ends the lease command (whatever its file is called by now); idempotent. */
    public void release() {
        endIn(shell, work);
        try {
            session.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A shell test: is the pid in shell variable {@code var} a lease command? Checked by its command line, so that a pid
     * from an old file that the kernel has given to another process since is never taken for a driver.
     */
    public static String aliveTest(String var) {
        return "{ [ -n \"$" + var + "\" ] && grep -qs 'while echo alive' \"/proc/$" + var + "/cmdline\"; }";
    }

    /** Ends a lease command left in {@code work}, e.g. by a driver that is gone but whose session lingers. */
    public static void endIn(HostShell shell, String work) {
        String w = Shell.quote(work);
        shell.run("cd " + w + " 2>/dev/null || exit 0; for f in " + FILE + " " + RESTORE_BEGUN + " " + LOST + "; do "
                + "p=$(cat $f 2>/dev/null); " + aliveTest("p") + " && kill \"$p\"; done; true", QUICK);
    }
}
