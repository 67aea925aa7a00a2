package io.onehaul.vmm;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How long a source may stay held before its hold script gives up and resumes it: what the driver itself
 * allows the steps inside the hold (the final copies, the restore), plus a margin for the round trips
 * around them. Never shorter than the driver's own limits, or a slow but healthy migration would find its
 * source resumed under a running destination; not the checkpoint timeout, which has nothing to do with a
 * migration's size (too long for a small container whose driver died, too short for a big copy over a WAN).
 * A dead driver is noticed much sooner by the lease ({@code criu.HoldLease}) until the restore begins.
 */
final class HoldLimit {
    private static final Logger log = LoggerFactory.getLogger(HoldLimit.class);
    /** The round trips around the steps (flushes, marks, the commit's decision), with room to spare. */
    static final Duration MARGIN = Duration.ofSeconds(60);
    /** A restore of an empty container: mounts, LXC start-up, CRIU's own setup (~0.4 s measured; loaded: ~2 s). */
    static final Duration RESTORE_SETUP = Duration.ofSeconds(60);
    /**
     * CRIU restores memory at ~250 MiB/s here idle and ~100 MiB/s on loaded cores (1 GiB: 4.2 s / 10.4 s,
     * docs/criu-lxc-notes.md); 20 MiB/s leaves a factor five below the worst seen.
     */
    static final long RESTORE_BYTES_PER_SECOND = 20L << 20;

    private HoldLimit() {}

    /** The restore's time limit on the destination, from the memory it brings back (bytes; 0 or less: none known). */
    static Duration restore(long memoryBytes) {
        long bytes = Math.max(0, memoryBytes);
        return RESTORE_SETUP.plusSeconds((bytes + RESTORE_BYTES_PER_SECOND - 1) / RESTORE_BYTES_PER_SECOND);
    }

    /** The hold's hard limit: the margin, the copies in the freeze and the restore, each at its own limit. */
    static Duration hold(Duration finalCopies, Duration restore) {
        Duration limit = MARGIN.plus(finalCopies).plus(restore);
        log.info("the source is held at most {} s (final copies {} s, restore {} s)", limit.toSeconds(),
                finalCopies.toSeconds(), restore.toSeconds());
        return limit;
    }
}
