package io.onehaul.transfer;

import java.time.Duration;
import java.util.Locale;

/**
 * How long one copy between hosts may take, from the bytes it moves and the link pre-flight measured, so
 * that a big pre-sync over a slow link is not cut off by a fixed figure and a small one on a fast link does
 * not wait minutes for a copy that hangs. This is the command's time limit; rsync's own --timeout (30 s
 * without I/O) still ends a copy whose link went silent long before it.
 */
public final class TransferBudget {
    /** Before the first byte: SSH handshake, rsync's file list of a rootfs folder, the flush of mounted images. */
    public static final Duration SETUP = Duration.ofSeconds(60);
    /**
     * The probe sent 16 MiB in a burst; a long copy shares the link with the running workload, reads from
     * disk and may compress. Three times the measured time before it counts as stuck.
     */
    public static final double SAFETY_FACTOR = 3.0;
    /** Assumed when pre-flight measured nothing (its probe's timing unreadable): 10 Mbit/s, a slow WAN link. */
    public static final long UNMEASURED_BYTES_PER_SECOND = 10_000_000L / 8;
    /**
     * The probe streams zeros from memory to /dev/null; a copy reads and writes disks (rsync reads a whole
     * image on both hosts at ~400 MiB/s here). A faster measurement is believed only up to this.
     */
    public static final long MAX_CREDITED_BYTES_PER_SECOND = 200L << 20;

    private final long bytesPerSecond;
    private final String basis;
    private final Duration whenSizeUnknown;

    /**
     * @param measuredBytesPerSecond source → destination throughput from pre-flight, 0 when not measured
     * @param capBytesPerSecond      the operator's cap ({@code transfer.bwlimit_mbit}), 0 for none
     * @param whenSizeUnknown        the limit for a copy whose size could not be found (the fixed figure)
     */
    public TransferBudget(long measuredBytesPerSecond, long capBytesPerSecond, Duration whenSizeUnknown) {
        long rate = measuredBytesPerSecond > 0 ? Math.min(measuredBytesPerSecond, MAX_CREDITED_BYTES_PER_SECOND)
                : UNMEASURED_BYTES_PER_SECOND;
        String why = measuredBytesPerSecond <= 0 ? "assumed" : rate < measuredBytesPerSecond ? "disk-bound" : "measured";
        if (capBytesPerSecond > 0 && capBytesPerSecond < rate) {
            rate = capBytesPerSecond;
            why = "capped";
        }
        this.bytesPerSecond = rate;
        this.basis = why;
        this.whenSizeUnknown = whenSizeUnknown;
    }

    /** The rate the limits are computed from. */
    public long bytesPerSecond() {
        return bytesPerSecond;
    }

    /** @param bytes what the copy moves at most; negative when unknown */
    public Duration timeout(long bytes) {
        if (bytes < 0) {
            return whenSizeUnknown;
        }
        double seconds = SAFETY_FACTOR * bytes / bytesPerSecond;
        return SETUP.plusSeconds((long) Math.ceil(seconds));
    }

    /** For the VM log: the rate and where it came from. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%.1f MiB/s (%s)", bytesPerSecond / 1048576.0, basis);
    }
}
