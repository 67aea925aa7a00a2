package io.onehaul.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** transfer.compress and transfer.bwlimit_mbit as rsync options and as the changed-blocks stream's stages. */
class LinkShapingTest {
    @Test
    void rsyncGetsCompressionByNegotiationAndTheCapInKibPerSecond() {
        assertEquals(List.of(), LinkShaping.NONE.rsyncOptions());
        assertEquals(List.of("-z"), new LinkShaping(true, 0).rsyncOptions());
        // 100 Mbit/s = 12,500,000 B/s = 12207.03 KiB/s, rounded down so the cap holds
        assertEquals(List.of("-z", "--bwlimit=12207"), new LinkShaping(true, 100).rsyncOptions());
        assertEquals(List.of("--bwlimit=122"), new LinkShaping(false, 1).rsyncOptions());
        assertEquals(12_500_000, new LinkShaping(false, 100).capBytesPerSecond());
        assertEquals(0, LinkShaping.NONE.capBytesPerSecond());
        assertEquals(250_000_000_000L, new LinkShaping(false, 2_000_000).capBytesPerSecond(), "no int overflow");
    }

    @Test
    void aNegativeCapIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new LinkShaping(false, -1));
    }

    @Test
    void theStreamIsGzippedOnlyWhenAskedAndTheSenderGetsTheCap() {
        SshRoute route = SshRoute.direct("ssh -o BatchMode=yes", "h2");
        String plain = RangesStream.command(route, "sudo -n ", LinkShaping.NONE, "/ds/7/disk.0", 4096, "/ds/7/disk.0",
                false);
        assertTrue(!plain.contains("gzip"), plain);
        assertTrue(plain.startsWith("{ perl -e "), plain);
        assertTrue(plain.contains(" /ds/7/disk.0 4096 0 3>&4 4>&- | ssh -o BatchMode=yes h2 "), plain);
        assertTrue(plain.endsWith("; } 4>&1"), plain);

        String shaped = RangesStream.command(route, "sudo -n ", new LinkShaping(true, 8), "/ds/7/disk.0", 4096,
                "/ds/7/disk.0", false);
        assertTrue(shaped.contains(" /ds/7/disk.0 4096 1000000 3>&4 4>&- | gzip -1 -c 4>&- | ssh "), shaped);
        assertTrue(shaped.contains(" h2 'gzip -d -c | sudo -n perl -e "), "unzipped on h2, then written with privilege: "
                + shaped);
    }
}
