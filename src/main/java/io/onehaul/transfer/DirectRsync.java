package io.onehaul.transfer;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostException;
import io.onehaul.host.HostShell;
import io.onehaul.host.Shell;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link FileTransfer} by rsync run on the source host straight to the destination host over SSH (as
 * OpenNebula's ssh TM copies host to host). The source host's SSH client checks the destination's
 * host key against its own known_hosts (BatchMode: no prompt, no password).
 */
public final class DirectRsync implements FileTransfer {
    static final Pattern SENT = Pattern.compile("Total bytes sent: ([\\d,.]+)");
    static final Pattern SIZE = Pattern.compile("Total file size: ([\\d,.]+)");

    /** Inside the destination folder, protected from --delete by rsync itself; gone once a file is whole. */
    static final String PARTIAL_DIR = ".onehaul-partial";

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(DirectRsync.class);
    private final Routes routes;
    private final String remoteRsync;
    private final LinkShaping shaping;
    private java.util.function.Consumer<Duration> sleeper = BrokenConnection::sleep;

    /**
     * @param sshCommand  the ssh the source host uses to reach the destination (rsync -e)
     * @param remoteRsync rsync on the destination (rsync --rsync-path), e.g. "sudo -n rsync"
     */
    public DirectRsync(String sshCommand, String remoteRsync) {
        this(new Routes(sshCommand), remoteRsync, LinkShaping.NONE);
    }

    /** @param shaping compression and bandwidth cap for every copy (transfer.compress, transfer.bwlimit_mbit) */
    public DirectRsync(String sshCommand, String remoteRsync, LinkShaping shaping) {
        this(new Routes(sshCommand), remoteRsync, shaping);
    }

    /** @param routes how the source reaches each destination: directly, or through the front-end's relay */
    public DirectRsync(Routes routes, String remoteRsync, LinkShaping shaping) {
        this.routes = routes;
        this.remoteRsync = remoteRsync;
        this.shaping = shaping;
    }

    @Override
    public long capBytesPerSecond() {
        return shaping.capBytesPerSecond();
    }

    @Override
    public TransferResult copy(HostShell source, String srcPath, String dstHost, String dstPath, Options o) {
        SshRoute route = routes.to(dstHost);
        // --timeout: an unreachable destination fails the copy after 30 s of silence instead of hanging.
        // No checksum pass afterwards: rsync checks every file it transfers against a whole-file checksum on
        // the receiver, sends it again on a mismatch and fails the copy if that fails too.
        List<String> cmd = new ArrayList<>(List.of("rsync", "-aHS", "--numeric-ids", "--stats", "--timeout=30"));
        cmd.addAll(shaping.rsyncOptions());
        if (o.progress() != null) {
            // One meter for the whole copy, on stdout before the --stats summary (read from the same stdout).
            // rsync starts each redraw with \r, so a figure reaches the listener when the next redraw begins.
            cmd.add("--info=progress2");
        }
        if (o.delete()) {
            cmd.add("--delete");
        }
        if (o.inPlace()) {
            cmd.add("--inplace");   // the part of a file a broken copy wrote stays, and is the next try's basis
        } else {
            // a broken copy keeps the part of a file it got here (not under the file's name) for the next try
            cmd.add("--partial-dir=" + PARTIAL_DIR);
        }
        for (String ex : o.excludes()) {
            cmd.add("--exclude=" + ex);
        }
        cmd.add("-e");
        cmd.add(route.ssh());
        if (!remoteRsync.isBlank() && !remoteRsync.equals("rsync")) {
            cmd.add("--rsync-path=" + remoteRsync);
        }
        cmd.add(srcPath);
        cmd.add(route.address() + ":" + dstPath);
        String line = (o.flushFirst().equals("true") ? "" : o.flushFirst() + " && ") + Shell.command(cmd);
        CommandResult r = retrying(o.attempts(), srcPath, dstHost, ", resuming what was copied",
                DirectRsync::whyRsyncFailed, () -> run(source, line, o));
        if (!r.ok() && r.exitCode() != VANISHED) {
            throw new HostException(source.host(), "copying " + srcPath + " to " + dstHost + ":" + dstPath
                    + " failed: " + whyRsyncFailed(r));
        }
        return new TransferResult(number(SENT, r.stdout()), number(SIZE, r.stdout()), r.elapsed());
    }

    /**
     * rsync's "some files vanished before they could be transferred": a running container deleted a file
     * between rsync's listing and its copy. The file is gone, so not copying it is the right copy (and
     * --delete removes it from the destination); everything else was transferred.
     */
    static final int VANISHED = 24;

    private static CommandResult run(HostShell source, String line, Options o) {
        if (o.progress() == null) {
            return source.run(line, o.timeout());
        }
        return source.run(line, null, o.timeout(),
                meter -> RsyncProgress.bytesDone(meter).ifPresent(o.progress()));
    }

    /** The ranges go as one verified stream ({@link RangesStream}), written on the destination with its privilege. */
    @Override
    public TransferResult copyRanges(HostShell source, String srcFile, String ranges, long size, String dstHost,
                                     String dstFile, Duration timeout) {
        return ranges(source, srcFile, ranges, size, dstHost, dstFile, timeout, false, 1, null);
    }

    @Override
    public TransferResult copyRangesToNewFile(HostShell source, String srcFile, String ranges, long size, String dstHost,
                                              String dstFile, Duration timeout, int attempts,
                                              java.util.function.LongConsumer progress) {
        return ranges(source, srcFile, ranges, size, dstHost, dstFile, timeout, true, attempts, progress);
    }

    private TransferResult ranges(HostShell source, String srcFile, String ranges, long size, String dstHost,
                                  String dstFile, Duration timeout, boolean fresh, int attempts,
                                  java.util.function.LongConsumer progress) {
        long expected = RangesStream.total(ranges);
        String command = RangesStream.command(routes.to(dstHost), remotePrivilege(), shaping, srcFile, size, dstFile, fresh);
        long started = System.nanoTime();
        byte[] stdin = ranges.getBytes(StandardCharsets.US_ASCII);
        CommandResult r = retrying(attempts, srcFile, dstHost, "", CommandResult::reason,
                () -> runRanges(source, command, stdin, timeout, progress));
        RangesStream.failure(r, expected).ifPresent(why -> {
            throw new HostException(source.host(), "copying the " + (fresh ? "data" : "changed blocks") + " of " + srcFile + " to " + dstHost + ":"
                    + dstFile + " failed: " + why);
        });
        return new TransferResult(expected, size, Duration.ofNanos(System.nanoTime() - started));
    }

    /**
     * Runs a copy, and again (after BrokenConnection's backoff) while its connection broke, up to {@code attempts}
     * times in all; any other failure is returned at once. The last result either way.
     */
    private CommandResult retrying(int attempts, String what, String dstHost, String resumeNote,
                                   java.util.function.Function<CommandResult, String> why,
                                   java.util.function.Supplier<CommandResult> copy) {
        CommandResult r = copy.get();
        for (int attempt = 2; !r.ok() && attempt <= attempts && BrokenConnection.is(r.exitCode(), r.stderr()); attempt++) {
            Duration wait = BrokenConnection.backoff(attempt);
            log.warn("copying {} to {} broke ({}): attempt {} of {} in {} s{}", what, dstHost, why.apply(r), attempt,
                    attempts, wait.toSeconds(), resumeNote);
            sleeper.accept(wait);
            r = copy.get();
        }
        return r;
    }

    private static final Pattern RANGES_PROGRESS = Pattern.compile("^progress (\\d+)$");

    private static CommandResult runRanges(HostShell source, String command, byte[] stdin, Duration timeout,
                                           java.util.function.LongConsumer progress) {
        if (progress == null) {
            return source.run(command, stdin, timeout);
        }
        return source.run(command, stdin, timeout, line -> {
            Matcher m = RANGES_PROGRESS.matcher(line.strip());
            if (m.matches()) {
                progress.accept(Long.parseLong(m.group(1)));
            }
        });
    }

    /** For specs: waits between attempts without sleeping. */
    DirectRsync sleepingWith(java.util.function.Consumer<Duration> s) {
        this.sleeper = s;
        return this;
    }

    /** "sudo -n " when the destination's rsync runs as "sudo -n rsync" (all but its last word), else nothing. */
    String remotePrivilege() {
        String r = remoteRsync.strip();
        int lastWord = r.lastIndexOf(' ');
        return lastWord < 0 ? "" : r.substring(0, lastWord).strip() + " ";
    }

    /** rsync's summary line says "see previous errors": the lines before it are the reason. */
    private static final int MAX_REASON_LINES = 4;

    /**
     * The lines that say why (rsync's own "rsync: …" and ssh's), the summary last: not just "some
     * files/attrs were not transferred (see previous errors) (code 23)".
     */
    public static String whyRsyncFailed(CommandResult r) {
        List<String> lines = r.stderr().lines().map(String::strip)
                .filter(l -> l.startsWith("rsync:") || l.startsWith("ssh:") || l.startsWith("rsync error:")
                        || l.contains("Host key verification failed") || l.contains("Permission denied"))
                .distinct().toList();
        if (lines.isEmpty()) {
            return r.reason();
        }
        List<String> causes = lines.stream().filter(l -> !l.startsWith("rsync error:")).limit(MAX_REASON_LINES).toList();
        List<String> all = new ArrayList<>(causes);
        lines.stream().filter(l -> l.startsWith("rsync error:")).reduce((a, b) -> b).ifPresent(all::add);
        return String.join("; ", all);
    }

    static long number(Pattern p, String stats) {
        Matcher m = p.matcher(stats);
        if (!m.find()) {
            return -1;
        }
        return Long.parseLong(m.group(1).replaceAll("[,.]", ""));
    }
}
