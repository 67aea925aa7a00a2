package io.onehaul.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.onehaul.host.HostException;
import io.onehaul.host.HostShell;
import io.onehaul.testsupport.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DirectRsync's real command lines between two folders of this machine, through an ssh stand-in that runs
 * the remote side with sh ({@link LocalLink}): what transfer.compress and transfer.bwlimit_mbit change on
 * rsync and on the changed-blocks stream, and that a stream altered on the way fails the copy.
 */
class DirectRsyncLocalLinkTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @TempDir Path dir;
    private final HostShell h1 = LocalLink.shell();

    @BeforeEach
    void folders() throws Exception {
        assumeTrue(Proc.sh("command -v rsync", 10).exit() == 0, "rsync is not installed here");
        Files.createDirectories(dir.resolve("src"));
        Files.createDirectories(dir.resolve("dst"));
    }

    private DirectRsync rsync(long flipAt, LinkShaping shaping) {
        return new DirectRsync(LocalLink.ssh(dir, flipAt), "rsync", shaping);
    }

    private FileTransfer.TransferResult copyFolder(LinkShaping shaping) {
        return rsync(-1, shaping).copy(h1, dir.resolve("src") + "/", "h2", dir.resolve("dst").toString(),
                FileTransfer.Options.mirror(LIMIT));
    }

    @Test
    void compressionShrinksWhatCrossesTheLinkAndTheCopyIsWhole() throws Exception {
        byte[] zeros = new byte[4 << 20];
        Files.write(dir.resolve("src/disk.0"), zeros);

        FileTransfer.TransferResult plain = copyFolder(LinkShaping.NONE);
        assertTrue(plain.bytesSent() >= zeros.length, "uncompressed: " + plain.bytesSent());

        Files.delete(dir.resolve("dst/disk.0"));
        FileTransfer.TransferResult compressed = copyFolder(new LinkShaping(true, 0));
        assertTrue(compressed.bytesSent() < zeros.length / 16, "compressed: " + compressed.bytesSent());
        assertArrayEquals(zeros, Files.readAllBytes(dir.resolve("dst/disk.0")));
    }

    @Test
    void aCapSlowsRsyncToIt() throws Exception {
        byte[] data = new byte[256 << 10];
        new Random(1).nextBytes(data);
        Files.write(dir.resolve("src/disk.0"), data);
        long t0 = System.nanoTime();
        copyFolder(new LinkShaping(false, 1));   // 1 Mbit/s = 122 KiB/s: 256 KiB take ~2.1 s
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds >= 1.5, "took " + seconds + " s");
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("dst/disk.0")));
    }

    private byte[] images(int bytes) throws Exception {
        byte[] src = new byte[bytes];
        new Random(5).nextBytes(src);
        Files.write(dir.resolve("src/disk.0"), src);
        Files.write(dir.resolve("dst/disk.0"), new byte[bytes]);
        return src;
    }

    private FileTransfer.TransferResult copyRanges(long flipAt, LinkShaping shaping, String ranges, int size) {
        return rsync(flipAt, shaping).copyRanges(h1, dir.resolve("src/disk.0").toString(), ranges, size, "h2",
                dir.resolve("dst/disk.0").toString(), LIMIT);
    }

    @Test
    void theChangedBlocksArriveVerifiedPlainAndCompressed() throws Exception {
        byte[] src = images(2 << 20);
        String ranges = "0 65536\n1048576 1048576\n";
        byte[] want = new byte[src.length];
        System.arraycopy(src, 0, want, 0, 65536);
        System.arraycopy(src, 1 << 20, want, 1 << 20, 1 << 20);

        assertEquals(65536 + (1 << 20), copyRanges(-1, LinkShaping.NONE, ranges, src.length).bytesSent());
        assertArrayEquals(want, Files.readAllBytes(dir.resolve("dst/disk.0")));

        Files.write(dir.resolve("dst/disk.0"), new byte[src.length]);
        assertEquals(65536 + (1 << 20), copyRanges(-1, new LinkShaping(true, 1000), ranges, src.length).bytesSent());
        assertArrayEquals(want, Files.readAllBytes(dir.resolve("dst/disk.0")));
    }

    @Test
    void aByteAlteredOnTheLinkFailsTheCopyWithAReadableReason() throws Exception {
        byte[] src = images(1 << 20);
        var e = assertThrows(HostException.class, () -> copyRanges(16 + 4242, LinkShaping.NONE, "0 65536\n", src.length));
        assertTrue(e.getMessage().contains("copying the changed blocks of " + dir.resolve("src/disk.0") + " to h2:"),
                e.getMessage());
        assertTrue(e.getMessage().contains("do not match those read on the source"), e.getMessage());
    }

    @Test
    void anAlteredCompressedStreamFailsTooAndNeverCountsAsCopied() throws Exception {
        byte[] src = images(1 << 20);
        // gzip checks its CRC only at the end, after it passed the bytes on, and the receiver's exit is the
        // remote pipeline's: the checksums are what find it
        var e = assertThrows(HostException.class, () -> copyRanges(200, new LinkShaping(true, 0), "0 524288\n", src.length));
        assertTrue(e.getMessage().contains("do not match") || e.getMessage().contains("ended before its end record"),
                e.getMessage());
    }
}
