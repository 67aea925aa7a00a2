package io.onehaul.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostShell;
import io.onehaul.testsupport.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A copy somebody watches: rsync's meter is asked for only then, and its --stats are read as before. */
class DirectRsyncProgressTest {
    @TempDir Path dir;

    /** A source host whose rsync prints what rsync 3.2.7 printed, meter and --stats, on stdout. */
    static final class Rsync327 implements HostShell {
        final List<String> commands = new ArrayList<>();

        @Override public String host() { return "h1"; }

        @Override public CommandResult run(String command, byte[] stdin, Duration timeout) {
            commands.add(command);
            return new CommandResult(0, RsyncProgressTest.RSYNC_327_STDOUT, "", Duration.ofSeconds(3));
        }

        @Override public void close() {}
    }

    private static FileTransfer.Options options() {
        return new FileTransfer.Options(true, List.of(), true, Duration.ofSeconds(60));
    }

    @Test
    void aWatchedCopyAsksForTheMeterAndHandsOnEveryBytesFigure() {
        Rsync327 h1 = new Rsync327();
        List<Long> seen = new ArrayList<>();

        var result = new DirectRsync("ssh", "rsync").copy(h1, "/ds/7/", "h2", "/ds/7", options().withProgress(seen::add));

        assertTrue(h1.commands.get(0).contains(" --info=progress2 "), h1.commands.get(0));
        assertTrue(h1.commands.get(0).contains(" --stats "), h1.commands.get(0));
        assertEquals(List.of(32_768L, 21_790_720L, 43_646_976L, 50_000_000L, 53_000_000L, 53_000_000L), seen);
        assertEquals(53_013_091L, result.bytesSent(), "--stats after the meter");
        assertEquals(53_000_000L, result.totalFileBytes());
    }

    @Test
    void anUnwatchedCopyRunsAsItAlwaysDid() {
        Rsync327 h1 = new Rsync327();

        new DirectRsync("ssh", "rsync").copy(h1, "/ds/7/", "h2", "/ds/7", options());

        assertFalse(h1.commands.get(0).contains("--info"), h1.commands.get(0));
    }

    @Test
    void aListenerThatBreaksDoesNotBreakTheCopy() {
        var result = new DirectRsync("ssh", "rsync").copy(new Rsync327(), "/ds/7/", "h2", "/ds/7",
                options().withProgress(b -> {
                    throw new IllegalStateException("progress bug");
                }));

        assertEquals(53_013_091L, result.bytesSent());
    }

    /** This machine as the source host: commands run in a local sh. */
    static final class LocalHost implements HostShell {
        @Override public String host() { return "localhost"; }

        @Override public CommandResult run(String command, byte[] stdin, Duration timeout) {
            Proc.Result r = Proc.run(List.of("sh", "-c", command), null, null, stdin, timeout.toSeconds());
            return new CommandResult(r.exit(), r.stdout(), r.stderr(), Duration.ZERO);
        }

        @Override public void close() {}
    }

    @Test
    void theInstalledRsyncsMeterAndStatsAreBothRead() throws Exception {
        assumeTrue(Proc.run(List.of("sh", "-c", "command -v rsync"), null, null, null, 10).exit() == 0, "rsync installed");
        Path src = Files.createDirectories(dir.resolve("src"));
        byte[] data = new byte[3 << 20];
        new Random(9).nextBytes(data);
        Files.write(src.resolve("disk.0"), data);
        Files.write(src.resolve("deployment.0"), new byte[1000]);
        // rsync runs "<ssh> <host> rsync --server ...": this one runs it here instead of on the host
        Path ssh = dir.resolve("fake-ssh");
        Files.writeString(ssh, "#!/bin/sh\nshift\nexec \"$@\"\n");
        Files.setPosixFilePermissions(ssh, PosixFilePermissions.fromString("rwx------"));
        List<Long> seen = new ArrayList<>();

        var result = new DirectRsync(ssh.toString(), "rsync").copy(new LocalHost(), src + "/", "h2",
                dir.resolve("dst").toString(), options().withProgress(seen::add));

        assertFalse(seen.isEmpty(), "the meter was read");
        assertEquals((3 << 20) + 1000L, seen.get(seen.size() - 1), "the last figure is every byte of both files");
        assertEquals((3 << 20) + 1000L, result.totalFileBytes(), "--stats read as before");
        assertTrue(result.bytesSent() >= 3 << 20, "bytes sent: " + result.bytesSent());
        assertTrue(Files.exists(dir.resolve("dst/disk.0")));
    }
}
