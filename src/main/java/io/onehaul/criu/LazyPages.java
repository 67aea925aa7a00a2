package io.onehaul.criu;

import static io.onehaul.host.HostShell.QUICK;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostException;
import io.onehaul.host.HostScript;
import io.onehaul.host.HostShell;
import io.onehaul.host.Shell;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The destination's side of post-copy: CRIU's lazy-pages daemon, which pulls the pages from the source's
 * page server (through the driver's tunnel) while the restored container runs, and the guard that keeps
 * the container from ever running on with missing pages.
 *
 * <p>Why a guard: when the daemon dies before the last page (its page source, the source host or the link
 * died), its userfaultfds close and the kernel hands every page not yet transferred to the container as
 * a zero page; measured here, the copy ran on with most of its memory silently zeroed (docs/criu-lxc-notes.md).
 * The guard is the daemon's parent (a Perl script: Perl is part of every Debian base system, and no JVM
 * runs on hosts). It takes a duplicate of each of the daemon's userfaultfds as they appear
 * (pidfd_getfd), so they stay open whatever happens to the daemon: a task touching a missing page then
 * waits in the fault instead of reading zeros. If the daemon ends with anything but success, the guard
 * kills the container first and only then lets the descriptors go, and writes why. On success it lets
 * them go at once (a held descriptor with no reader would block later faults). Results in
 * {@code lazy.status}: "complete", or "lost <reason>".
 *
 * <p>When the driver finds the source unreachable it {@link #keep keeps} the copy instead: the container is
 * frozen and the guard, should the daemon end, goes on holding the descriptors (status "held …") until the
 * keep mark is gone ({@link #stop}); only then does it kill the container. Nothing of the copy is lost
 * while nobody can say which copy should live.
 */
public final class LazyPages {
    static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private LazyPages() {}

    /** Before the freeze: the guard's script goes to the destination's work folder (one round trip less inside). */
    public static void install(HostShell dst, String workDir) {
        dst.check("preparing " + workDir, "mkdir -p " + Shell.quote(workDir), QUICK);
        dst.writeFile(workDir + "/" + GUARD_FILE, guardScript().getBytes(StandardCharsets.UTF_8), QUICK);
    }

    /** The guard's file name: starts with "lazy" so the final copy's excludes keep it on the destination. */
    static final String GUARD_FILE = "lazy-guard.pl";

    /**
     * The shell line that starts the guard and, under it, the lazy-pages daemon, which connects to
     * 127.0.0.1:port; it ends once the daemon's socket for the restore exists, or fails saying why. A
     * line, not a call, so the freeze runs it in the same round trip as the restore.
     */
    public static String startCommand(CriuOptions options, String imagesDir, String workDir, int port,
                                      String killContainer) {
        Map<String, String> env = new LinkedHashMap<>(options.env());
        String daemon = Shell.envPrefix(env) + "criu lazy-pages --page-server --address 127.0.0.1 --port " + port + " -D "
                + Shell.quote(imagesDir) + " -o " + Shell.quote(workDir + "/lazy-pages.log") + " -v2";
        String status = workDir + "/lazy.status";
        String guard = "perl " + Shell.quote(workDir + "/" + GUARD_FILE) + " " + Shell.quote(status) + " "
                + Shell.quote(killContainer) + " " + Shell.quote(daemon);
        return "{ rm -f " + Shell.quote(status) + " " + Shell.quote(imagesDir + "/lazy-pages.socket")
                + "; (setsid " + guard + " </dev/null >" + Shell.quote(workDir + "/lazy-guard.out") + " 2>&1 &); i=0; "
                + "until [ -S " + Shell.quote(imagesDir + "/lazy-pages.socket") + " ]; do i=$((i+1)); "
                + "if [ -f " + Shell.quote(status) + " ] || [ $i -gt " + READY_TIMEOUT.toMillis() / 20 + " ]; then "
                + "cat " + Shell.quote(status) + " >&2 2>/dev/null; tail -n 3 " + Shell.quote(workDir + "/lazy-pages.log")
                + " >&2; echo 'the CRIU lazy-pages daemon did not start' >&2; exit 1; fi; sleep 0.02; done; }";
    }

    /** "complete", "lost …", or "" while pages are still arriving. */
    public static String status(HostShell dst, String workDir) {
        return dst.run("cat " + Shell.quote(workDir + "/lazy.status") + " 2>/dev/null", QUICK).stdout().strip();
    }

    /**
     * Waits until the status is final — one round trip that polls on the host. Pages may take long on a
     * slow link, so what ends the wait early is a stall: no byte read by the daemon for {@code stall}.
     * Returns the status, "stalled" or "" (the hard limit passed).
     */
    public static String await(HostShell dst, String workDir, Duration stall, Duration hardLimit) {
        String st = Shell.quote(workDir + "/lazy.status");
        String pr = Shell.quote(workDir + "/lazy.status.progress");
        long tick = 200;
        CommandResult r = dst.run("last=; still=0; i=0; until [ -s " + st + " ]; do p=$(cat " + pr + " 2>/dev/null); "
                + "if [ \"$p\" = \"$last\" ]; then still=$((still+1)); else still=0; last=$p; fi; "
                + "[ $still -gt " + stall.toMillis() / tick + " ] && { echo stalled; exit 0; }; i=$((i+1)); "
                + "[ $i -gt " + hardLimit.toMillis() / tick + " ] && exit 0; sleep 0.2; done; cat " + st,
                hardLimit.plusSeconds(60));
        return r.stdout().strip();
    }

    /** The mark that makes the guard keep the copy (frozen, its descriptors held) if the daemon ends. */
    static String keepFile(String workDir) {
        return workDir + "/lazy.status.keep";
    }

    /**
     * The source cannot be reached, so neither copy may be destroyed: from now on an ending daemon no longer
     * makes the guard kill the container, and the container is frozen (its tasks would only wait in
     * faults). Returns false if the mark could not be set or the copy was already killed.
     */
    public static boolean keep(HostShell dst, String workDir, String lxcPath, String container) {
        String st = Shell.quote(workDir + "/lazy.status");
        CommandResult r = dst.run("touch " + Shell.quote(keepFile(workDir)) + " || exit 1; "
                + "case \"$(cat " + st + " 2>/dev/null)\" in lost*) exit 1;; esac; "
                + "lxc-freeze -P " + Shell.quote(lxcPath) + " -n " + Shell.quote(container), QUICK);
        return r.ok();
    }

    /**
     * Rollback: ends the daemon; its guard then kills the container (pages were missing) and records it.
     * A copy that was {@link #keep kept} is killed the same way. Waits for the guard, then ends it too if it
     * is still there.
     */
    public static void stop(HostShell dst, String imagesDir, String workDir) {
        // "[c]riu", "[l]azy": a pattern must not match the shell that runs this very command line
        String guard = Shell.quote("[l]azy-guard.pl " + workDir);
        dst.run("rm -f " + Shell.quote(keepFile(workDir)) + "; "
                + "pkill -f " + Shell.quote("[c]riu lazy-pages .*-D " + imagesDir) + " 2>/dev/null; i=0; "
                + "while pgrep -f " + guard + " >/dev/null && [ $i -lt " + GUARD_END_TICKS + " ]; do "
                + "i=$((i+1)); sleep 0.02; done; pkill -f " + guard + " 2>/dev/null; true", QUICK);
    }

    /** How long (in 20 ms ticks) the guard is given to kill the container and end after its daemon. */
    static final int GUARD_END_TICKS = 750;

    /** The guard (criu/lazy-guard.pl). argv: status file, the command that kills the container, the daemon's command line. */
    static String guardScript() {
        return HostScript.text(LazyPages.class, GUARD_FILE);
    }
}

