package io.onehaul.migration;

import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The iteration loop of pre-copy (P.Haul's): pre-dump rounds while the container runs, each moving only
 * the pages dirtied since the previous one, until {@link PreCopyStopRule} says the rest is best moved in
 * the freeze. Needs soft-dirty tracking on both hosts; never chosen where it is missing.
 */
final class PreCopyLoop {
    private PreCopyLoop() {}

    /** Pages as CRIU counts them (x86-64). */
    static final long PAGE_BYTES = 4096;

    /** Runs the rounds; returns how many ran. Each round's figures go to the report's notes. */
    static int run(MigrationRequest r, MigrationSteps steps, MigrationStrategy.Phases phases, PreCopyStopRule rule) {
        return run(r, steps, phases, rule, System::nanoTime);
    }

    /** @param nanos a monotonic clock, for each round's duration and the rate the workload dirties memory */
    static int run(MigrationRequest r, MigrationSteps steps, MigrationStrategy.Phases phases, PreCopyStopRule rule,
                   LongSupplier nanos) {
        MigrationSteps.WithPreDump preDump = Capability.as(steps, MigrationSteps.WithPreDump.class);
        long previous = -1;
        long previousStart = 0;
        for (int round = 1; ; round++) {
            final int n = round;
            long start = nanos.getAsLong();
            long bytes = phases.run(Phase.PRE_DUMP, () -> preDump.preDump(r, n));
            double seconds = (nanos.getAsLong() - start) / 1e9;
            PreCopyStopRule.Verdict v = rule.afterRound(round, bytes, previous);
            // what round N found dirty was written since round N-1 began: the workload's dirty rate
            String rate = round == 1 ? "" : String.format(Locale.ROOT, ", dirtied at %.1f MiB/s",
                    bytes / Math.max(1e-3, (start - previousStart) / 1e9) / (1 << 20));
            phases.note(String.format(Locale.ROOT, "pre-dump round %d: %d pages (%d KiB) in %.2f s%s; %s", round,
                    bytes / PAGE_BYTES, bytes >> 10, seconds, rate, v.reason()));
            if (v.stop()) {
                return round;
            }
            previous = bytes;
            previousStart = start;
        }
    }
}
