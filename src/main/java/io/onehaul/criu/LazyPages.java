package io.onehaul.criu;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostException;
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
 * a zero page; measured here, the copy ran on with most of its memory silently zeroed (shared notes).
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
    private static final Duration QUICK = Duration.ofSeconds(30);
    /** How often the guard looks for new userfaultfds (a fork in the container brings one). */
    static final double GRAB_INTERVAL_SECONDS = 0.01;
    static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    /** pidfd_open and pidfd_getfd: the same numbers on every Linux architecture (asm-generic table). */
    static final int SYS_PIDFD_OPEN = 434;
    static final int SYS_PIDFD_GETFD = 438;

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

    /**
     * The guard. argv: status file, the command that kills the container, the daemon's command line.
     * Exit 0 in every case; the outcome is in the status file.
     */
    static String guardScript() {
        return """
                #!/usr/bin/perl
                # OneHaul post-copy guard (see io.onehaul.criu.LazyPages): holds duplicates of the lazy-pages
                # daemon's userfaultfds so that its death can never turn missing pages into zero pages, and
                # kills the container before letting them go unless every page arrived.
                use strict; use warnings; use POSIX ();
                my ($status, $kill, $daemon) = @ARGV;
                sub done { my ($s) = @_; open(my $f, '>', "$status.tmp") or die; print $f "$s\\n"; close $f;
                           rename("$status.tmp", $status); }
                my $pid = fork() // do { done("lost cannot fork the lazy-pages daemon: $!"); exit 0 };
                if ($pid == 0) { exec('/bin/sh', '-c', "exec $daemon") or POSIX::_exit(127); }
                my $pidfd = syscall(%d, $pid, 0);
                # kcmp(2): whether the daemon's fd n is still the file we hold (its number is per architecture)
                my %%KCMP = (x86_64 => 312, aarch64 => 272, riscv64 => 272, ppc64le => 354, s390x => 343);
                my $kcmp = $KCMP{(POSIX::uname())[4]} // 272;
                my %%held;
                # The daemon runs on, not exiting (PF_EXITING 0x4 is set before a dying task closes its files).
                sub daemon_running {
                    open(my $f, '<', "/proc/$pid/stat") or return 0;
                    my $st = <$f> // return 0; close $f;
                    my @f = split(/ /, substr($st, rindex($st, ')') + 2));
                    return $f[0] !~ /[ZXx]/ && !($f[6] & 4);
                }
                sub grab {
                    return if $pidfd < 0;
                    # let go of what the daemon let go of (a task of the container ended): a file still open
                    # here would stay in the daemon's epoll set and keep waking it for a descriptor it closed.
                    # Never while the daemon is dying: its files are closing then, and ours must stay open.
                    return unless daemon_running();
                    for my $n (keys %%held) {
                        if (!-e "/proc/$pid/fd/$n" || syscall($kcmp, $pid, $$, 0, $n + 0, $held{$n}) != 0) {
                            next unless daemon_running();
                            POSIX::close($held{$n}); delete $held{$n};
                        }
                    }
                    opendir(my $d, "/proc/$pid/fd") or return;
                    for my $n (readdir $d) {
                        next unless $n =~ /^\\d+$/ && !exists $held{$n};
                        my $t = readlink("/proc/$pid/fd/$n") // next;
                        next unless $t =~ /userfaultfd/;
                        my $fd = syscall(%d, $pidfd, $n + 0, 0);
                        $held{$n} = $fd if $fd >= 0;
                    }
                }
                my $tick = 0;
                while (1) {
                    # progress for the driver: the bytes the daemon has read (pages, and their requests'
                    # answers). Not its CPU time: a daemon whose peer is gone can spin without reading a byte.
                    if ($tick++ %% 25 == 0 && open(my $io, '<', "/proc/$pid/io")) {
                        my ($rc) = map { /^rchar: (\\d+)/ ? $1 : () } <$io>; close $io;
                        if (defined $rc && open(my $p, '>', "$status.progress.tmp")) {
                            print $p "$rc\\n"; close $p; rename("$status.progress.tmp", "$status.progress");
                        }
                    }
                    grab();
                    my $w = waitpid($pid, POSIX::WNOHANG());
                    if ($w == $pid) {
                        my $code = $? >> 8; my $sig = $? & 127;
                        if ($code == 0 && $sig == 0) { POSIX::close($_) for values %%held; done("complete"); exit 0; }
                        if (-e "$status.keep") {
                            # the driver could not reach the source: keep the (frozen) copy and its
                            # descriptors until the mark goes, whoever then decides
                            done("held the lazy-pages daemon ended " . ($sig ? "by signal $sig" : "with code $code")
                                 . " before every page arrived; the destination copy is kept frozen");
                            select(undef, undef, undef, 0.2) while -e "$status.keep";
                        }
                        system('/bin/sh', '-c', $kill);
                        POSIX::close($_) for values %%held;
                        done("lost the lazy-pages daemon ended " . ($sig ? "by signal $sig" : "with code $code")
                             . " before every page arrived; the destination copy was killed ("
                             . scalar(keys %%held) . " userfaultfd(s) held)");
                        exit 0;
                    }
                    select(undef, undef, undef, %s);
                }
                """.formatted(SYS_PIDFD_OPEN, SYS_PIDFD_GETFD, Double.toString(GRAB_INTERVAL_SECONDS));
    }
}
