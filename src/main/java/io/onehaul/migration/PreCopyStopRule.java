package io.onehaul.migration;

/**
 * When pre-copy stops iterating and freezes (after P.Haul's rule): the pages the last round found dirty
 * fit the freeze target on the measured link; or the dirty set stopped shrinking (the workload dirties
 * memory as fast as the rounds move it, so another round only costs time); or the round cap.
 */
public final class PreCopyStopRule {
    /** Rounds at most, the first included (P.Haul stops after 8 iterations too). */
    public static final int MAX_ROUNDS = 8;
    /** A round must leave at most this share of the previous round's dirty bytes, or it is not converging. */
    public static final double MIN_SHRINK = 0.8;
    /** Share of the freeze target the remaining pages may take on the link (the rest: dump and restore). */
    public static final double PAGES_SHARE_OF_FREEZE = 0.5;

    private final long smallEnoughBytes;

    /**
     * @param targetFreezeSeconds the freeze the operator wants
     * @param linkBytesPerSecond  measured at pre-flight
     */
    public PreCopyStopRule(double targetFreezeSeconds, long linkBytesPerSecond) {
        this.smallEnoughBytes = (long) (targetFreezeSeconds * PAGES_SHARE_OF_FREEZE * linkBytesPerSecond);
    }

    public record Verdict(boolean stop, String reason) {}

    /**
     * Whether rounds can outrun a workload that writes {@code dirtyBytesPerSecond} over {@code link}: a
     * round that takes t seconds leaves dirtyRate × t dirty, so each round shrinks the set by
     * dirtyRate / link, and the rule wants at least {@link #MIN_SHRINK}. Unknown (-1) is not converging.
     */
    public static boolean converges(long dirtyBytesPerSecond, long linkBytesPerSecond) {
        return dirtyBytesPerSecond >= 0 && dirtyBytesPerSecond <= linkBytesPerSecond * MIN_SHRINK;
    }

    /** After round {@code round} moved {@code bytes}; {@code previous} is the round before's (-1 for none). */
    public Verdict afterRound(int round, long bytes, long previous) {
        if (bytes <= smallEnoughBytes) {
            return new Verdict(true, "small enough for the freeze target (<= " + (smallEnoughBytes >> 10) + " KiB)");
        }
        if (previous >= 0 && bytes > previous * MIN_SHRINK) {
            return new Verdict(true, "no longer shrinking (" + (previous >> 10) + " KiB before)");
        }
        if (round >= MAX_ROUNDS) {
            return new Verdict(true, "round cap " + MAX_ROUNDS + " reached");
        }
        return new Verdict(false, "another round");
    }
}
