package io.onehaul.transfer;

import java.util.ArrayList;
import java.util.List;

/**
 * What the operator asked of every copy between hosts on a slow or shared link ({@code transfer.compress},
 * {@code transfer.bwlimit_mbit}): compression, and a cap on the bytes per second a copy may put on the link.
 *
 * @param compress    rsync compresses file data; the changed-blocks stream goes through gzip ({@link RangesStream})
 * @param bwlimitMbit the cap in Mbit/s (10^6 bits), 0 for none
 */
public record LinkShaping(boolean compress, int bwlimitMbit) {
    public static final LinkShaping NONE = new LinkShaping(false, 0);

    public LinkShaping {
        if (bwlimitMbit < 0) {
            throw new IllegalArgumentException("a bandwidth cap of " + bwlimitMbit + " Mbit/s");
        }
    }

    /** The cap in bytes per second (0: none). */
    public long capBytesPerSecond() {
        return bwlimitMbit * 1_000_000L / 8;
    }

    /**
     * rsync's options. -z alone, not a forced --compress-choice: rsync 3.2+ on both ends negotiate the
     * strongest algorithm both have (zstd on Debian 12's 3.2.7), and an older or differently built rsync on
     * one host falls back to zlib instead of failing the copy with "unknown compress name".
     * --bwlimit counts KiB/s (1024 bytes); rounded down so the cap is never exceeded, but at least 1.
     */
    public List<String> rsyncOptions() {
        List<String> o = new ArrayList<>();
        if (compress) {
            o.add("-z");
        }
        if (bwlimitMbit > 0) {
            o.add("--bwlimit=" + Math.max(1, capBytesPerSecond() / 1024));
        }
        return o;
    }
}
