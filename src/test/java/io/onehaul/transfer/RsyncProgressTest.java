package io.onehaul.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.onehaul.host.OutputLines;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** rsync's --info=progress2 meter, read line by line. */
class RsyncProgressTest {
    /**
     * What rsync 3.2.7 (Debian 12) wrote to stdout for {@code -aHS --numeric-ids --stats --info=progress2} of
     * two files (50 MB and 3 MB) at 20 MB/s: the meter redrawn with \r, then the --stats summary.
     */
    static final String RSYNC_327_STDOUT = "\r         32,768   0%    0.00kB/s    0:00:00  "
            + "\r     21,790,720  41%   19.56MB/s    0:00:01  "
            + "\r     43,646,976  82%   19.55MB/s    0:00:00  "
            + "\r     50,000,000  94%   20.31MB/s    0:00:02 (xfr#1, to-chk=1/3)"
            + "\r     53,000,000 100%   19.74MB/s    0:00:02 (xfr#2, to-chk=0/3)"
            + "\r     53,000,000 100%   19.73MB/s    0:00:02 (xfr#2, to-chk=0/3)\n"
            + "\n"
            + "Number of files: 3 (reg: 2, dir: 1)\n"
            + "Number of created files: 2 (reg: 2)\n"
            + "Number of deleted files: 0\n"
            + "Number of regular files transferred: 2\n"
            + "Total file size: 53,000,000 bytes\n"
            + "Total transferred file size: 53,000,000 bytes\n"
            + "Literal data: 53,000,000 bytes\n"
            + "Matched data: 0 bytes\n"
            + "File list size: 0\n"
            + "File list generation time: 0.001 seconds\n"
            + "File list transfer time: 0.000 seconds\n"
            + "Total bytes sent: 53,013,091\n"
            + "Total bytes received: 61\n"
            + "\n"
            + "sent 53,013,091 bytes  received 61 bytes  21,205,260.80 bytes/sec\n"
            + "total size is 53,000,000  speedup is 1.00\n";

    @Test
    void aMeterLineGivesTheBytesDoneSoFar() {
        assertEquals(OptionalLong.of(412_123_456L), RsyncProgress.bytesDone("    412,123,456  40%   11.23MB/s    0:00:35"));
        assertEquals(OptionalLong.of(53_000_000L),
                RsyncProgress.bytesDone("     53,000,000 100%   19.74MB/s    0:00:02 (xfr#2, to-chk=0/3)"));
        assertEquals(OptionalLong.of(0L), RsyncProgress.bytesDone("              0   0%    0.00kB/s    0:00:00 (xfr#0, to-chk=0/3)"));
        assertEquals(OptionalLong.of(1_234_567L), RsyncProgress.bytesDone("  1.234.567  12%  1,00MB/s  0:00:09"),
                "digits grouped with dots, as some locales do");
        assertEquals(OptionalLong.of(987L), RsyncProgress.bytesDone("987  99%  1.00kB/s  0:00:00"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Total bytes sent: 53,013,091", "Number of files: 3 (reg: 2, dir: 1)",
            "sent 53,013,091 bytes  received 61 bytes  21,205,260.80 bytes/sec", "total size is 53,000,000  speedup is 1.00",
            "disk.0", "rsync: connection unexpectedly closed (0 bytes received so far) [sender]", "",
            "99999999999999999999  40%  1.00MB/s  0:00:01"})
    void anyOtherLineIsNoMeterLine(String line) {
        assertEquals(OptionalLong.empty(), RsyncProgress.bytesDone(line));
    }

    @Test
    void rsync327sWholeStdoutCutIntoLinesGivesEveryRedrawInOrder() {
        List<Long> seen = new ArrayList<>();
        OutputLines.each(RSYNC_327_STDOUT, line -> RsyncProgress.bytesDone(line).ifPresent(seen::add));

        assertEquals(List.of(32_768L, 21_790_720L, 43_646_976L, 50_000_000L, 53_000_000L, 53_000_000L), seen);
        assertEquals(53_013_091L, DirectRsync.number(DirectRsync.SENT, RSYNC_327_STDOUT), "--stats is still read");
        assertEquals(53_000_000L, DirectRsync.number(DirectRsync.SIZE, RSYNC_327_STDOUT));
    }
}
