package io.onehaul.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostScript;
import io.onehaul.testsupport.Proc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The changed-blocks stream's two Perl ends, run here as the hosts run them ({@code perl -e '<script>'}),
 * joined by a pipe instead of SSH, sometimes with a filter between them that alters one byte.
 */
class RangesStreamTest {
    private static final Pattern REPORT = Pattern.compile("(?m)^(sent|wrote) (\\d+) ([0-9a-f]{32})$");

    @TempDir Path dir;

    /** The pair as RangesStream.command joins them: the sender's report on fd 3, both reports on stdout. */
    private Proc.Result pipe(String sendArgs, String receiveArgs, String ranges, String middle) {
        String send = HostScript.perl(DirectRsync.class, "ranges-send.pl") + " " + sendArgs + " 3>&4 4>&-";
        String receive = HostScript.perl(DirectRsync.class, "ranges-receive.pl") + " " + receiveArgs + " 4>&-";
        return Proc.run(List.of("sh", "-c", "{ " + send + " | " + (middle.isEmpty() ? "" : middle + " | ") + receive
                + "; } 4>&1"), null, null, ranges.getBytes(StandardCharsets.US_ASCII), 60);
    }

    private static CommandResult asResult(Proc.Result r) {
        return new CommandResult(r.exit(), r.stdout(), r.stderr(), Duration.ZERO);
    }

    private static String report(Proc.Result r, String which) {
        Matcher m = REPORT.matcher(r.stdout());
        while (m.find()) {
            if (m.group(1).equals(which)) {
                return m.group(2) + " " + m.group(3);
            }
        }
        throw new AssertionError("no '" + which + "' report in: " + r.stdout() + r.stderr());
    }

    private byte[] files(int srcBytes, int dstBytes, long seed) throws Exception {
        byte[] src = new byte[srcBytes];
        new Random(seed).nextBytes(src);
        Files.write(dir.resolve("src"), src);
        Files.write(dir.resolve("dst"), new byte[dstBytes]);
        return src;
    }

    @Test
    void theNamedRangesAndTheSizeArriveNothingElseIsTouchedAndBothEndsAgree() throws Exception {
        byte[] src = files(3 << 20, 2 << 20, 7);   // the destination: an older, shorter copy
        String ranges = "4096 8192\n1048576 1048576\n2097152 1048576\n";
        Proc.Result r = pipe(dir.resolve("src") + " " + src.length, dir.resolve("dst").toString(), ranges, "");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(report(r, "sent"), report(r, "wrote"));
        assertTrue(report(r, "wrote").startsWith("2105344 "), "bytes written: " + r.stdout());
        assertEquals(Optional.empty(), RangesStream.failure(asResult(r), RangesStream.total(ranges)));

        byte[] want = new byte[src.length];
        System.arraycopy(src, 4096, want, 4096, 8192);
        System.arraycopy(src, 1 << 20, want, 1 << 20, 2 << 20);
        assertArrayEquals(want, Files.readAllBytes(dir.resolve("dst")));
    }

    @Test
    void intoANewFileOnlyTheRangesArriveTheRestIsHolesAndAnOldFileThereIsReplaced() throws Exception {
        byte[] src = files(4 << 20, 3 << 20, 11);
        byte[] stale = new byte[5 << 20];   // an earlier attempt's copy, longer and full of other bytes
        new Random(12).nextBytes(stale);
        Files.write(dir.resolve("dst"), stale);
        String ranges = "0 65536\n3145728 1048576\n";
        Proc.Result r = pipe(dir.resolve("src") + " " + src.length, dir.resolve("dst") + " new", ranges, "");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(report(r, "sent"), report(r, "wrote"));
        byte[] want = new byte[src.length];
        System.arraycopy(src, 0, want, 0, 65536);
        System.arraycopy(src, 3 << 20, want, 3 << 20, 1 << 20);
        assertArrayEquals(want, Files.readAllBytes(dir.resolve("dst")), "the ranges, zeros elsewhere, the source's size");

        Files.delete(dir.resolve("dst"));
        Proc.Result created = pipe(dir.resolve("src") + " " + src.length, dir.resolve("dst") + " new", ranges, "");
        assertEquals(0, created.exit(), "a missing file is made: " + created.stderr());
        assertArrayEquals(want, Files.readAllBytes(dir.resolve("dst")));
    }

    @Test
    void aSendThatTakesSecondsTellsItsBytesOnTheWayAndStillAgrees() throws Exception {
        byte[] src = files(2 << 20, 0, 13);
        // capped at 1 MiB/s: ~2 s, so at least one "progress" line before the reports
        Proc.Result r = pipe(dir.resolve("src") + " " + src.length + " 1048576", dir.resolve("dst") + " new",
                "0 2097152\n", "");
        assertEquals(0, r.exit(), r.stderr());
        Matcher m = Pattern.compile("(?m)^progress (\\d+)$").matcher(r.stdout());
        assertTrue(m.find(), "a progress line: " + r.stdout());
        long first = Long.parseLong(m.group(1));
        assertTrue(first > 0 && first < src.length, "part of the bytes, not all: " + first);
        assertEquals(Optional.empty(), RangesStream.failure(asResult(r), src.length), "the reports still parse");
        assertArrayEquals(src, Files.readAllBytes(dir.resolve("dst")));
    }

    @Test
    void aByteAlteredOnTheWayIsFoundThoughEveryByteArrived() throws Exception {
        byte[] src = files(1 << 20, 1 << 20, 9);
        String ranges = "0 65536\n524288 65536\n";
        // header (16 bytes), then 65536 data bytes: byte 1000 of the first range
        Proc.Result r = pipe(dir.resolve("src") + " " + src.length, dir.resolve("dst").toString(), ranges, LocalLink.flipper(16 + 1000));
        assertEquals(0, r.exit(), "the receiver itself sees nothing wrong: " + r.stderr());
        assertEquals(report(r, "sent").split(" ")[0], report(r, "wrote").split(" ")[0], "a byte count alone would pass");
        assertNotEquals(report(r, "sent"), report(r, "wrote"));

        String why = RangesStream.failure(asResult(r), RangesStream.total(ranges)).orElseThrow();
        assertTrue(why.contains("do not match"), why);
        assertEquals((byte) (src[1000] ^ 1), Files.readAllBytes(dir.resolve("dst"))[1000], "the filter did alter it");
    }

    @Test
    void aHeaderAlteredOnTheWaySoTheBytesLandElsewhereIsFound() throws Exception {
        byte[] src = files(1 << 20, 1 << 20, 10);
        String ranges = "8192 4096\n";
        // byte 6 of the header is bit 8-15 of the offset: 8192 becomes 8448, inside the file
        Proc.Result r = pipe(dir.resolve("src") + " " + src.length, dir.resolve("dst").toString(), ranges, LocalLink.flipper(6));
        assertEquals(0, r.exit(), r.stderr());
        String why = RangesStream.failure(asResult(r), RangesStream.total(ranges)).orElseThrow();
        assertTrue(why.contains("do not match"), why);
    }

    @Test
    void aStreamCutShortFailsAndNeverReportsWhatItWrote() throws Exception {
        byte[] src = files(1 << 20, 1 << 20, 8);
        Proc.Result r = pipe(dir.resolve("src") + " " + src.length, dir.resolve("dst").toString(), "0 1048576\n",
                "head -c 5000");
        assertNotEquals(0, r.exit());
        assertTrue(r.stderr().contains("the stream ended before its end record"), r.stderr());
        assertTrue(RangesStream.failure(asResult(r), 1 << 20).isPresent());
        assertTrue(!r.stdout().contains("wrote"), r.stdout());
    }

    @Test
    void aMissingDestinationFileIsAnErrorNotANewFile() throws Exception {
        Files.write(dir.resolve("src"), new byte[4096]);
        Proc.Result r = pipe(dir.resolve("src") + " 4096", dir.resolve("absent").toString(), "0 4096\n", "");
        assertNotEquals(0, r.exit());
        assertTrue(Files.notExists(dir.resolve("absent")));
    }

    @Test
    void theSenderRefusesToRunWithoutItsReportChannel() throws Exception {
        files(4096, 4096, 11);
        Proc.Result r = Proc.run(List.of("sh", "-c", HostScript.perl(DirectRsync.class, "ranges-send.pl") + " "
                + dir.resolve("src") + " 4096 0 >/dev/null"), null, null, "0 4096\n".getBytes(StandardCharsets.US_ASCII), 30);
        assertNotEquals(0, r.exit());
        assertTrue(r.stderr().contains("fd 3"), r.stderr());
    }

    @Test
    void aCapPacesTheSender() throws Exception {
        byte[] src = files(512 << 10, 512 << 10, 12);
        long t0 = System.nanoTime();
        // 512 KiB at 256 KiB/s: two seconds
        Proc.Result r = pipe(dir.resolve("src") + " " + src.length + " " + (256 << 10), dir.resolve("dst").toString(),
                "0 524288\n", "");
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(report(r, "sent"), report(r, "wrote"));
        assertTrue(seconds >= 1.7, "took " + seconds + " s");
    }

    @Test
    void theReportsAreReadStrictly() {
        String md5 = "0123456789abcdef0123456789abcdef";
        String other = "fedcba9876543210fedcba9876543210";
        assertEquals(Optional.empty(), failure("sent 10 " + md5 + "\nwrote 10 " + md5 + "\n", 10));
        assertEquals(Optional.of("sent 9 of 10 bytes"), failure("sent 9 " + md5 + "\nwrote 9 " + md5 + "\n", 10));
        assertEquals(Optional.of("wrote 9 of 10 bytes"), failure("wrote 9 " + md5 + "\nsent 10 " + md5 + "\n", 10));
        assertTrue(failure("sent 10 " + md5 + "\nwrote 10 " + other + "\n", 10).orElseThrow().contains(other));
        assertEquals(Optional.of("the source did not report what it sent"), failure("wrote 10 " + md5 + "\n", 10));
        assertEquals(Optional.of("the destination did not report what it wrote"), failure("sent 10 " + md5 + "\n", 10));
        assertEquals(Optional.of("the destination did not report what it wrote"), failure("sent 10 " + md5 + "\n10\n", 10),
                "the old receiver's bare count is not a report");
        assertEquals(Optional.of("ssh: connect to host h2 port 22: No route to host"), RangesStream.failure(
                new CommandResult(255, "", "ssh: connect to host h2 port 22: No route to host\n", Duration.ZERO), 10));
    }

    private static Optional<String> failure(String stdout, long expected) {
        return RangesStream.failure(new CommandResult(0, stdout, "", Duration.ZERO), expected);
    }

    @Test
    void theRangesTotalIsTheSumOfTheirLengths() {
        assertEquals(0, RangesStream.total(""));
        assertEquals(2105344, RangesStream.total("4096 8192\n1048576 1048576\n\n2097152 1048576\n"));
    }
}
