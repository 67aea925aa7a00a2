package io.onehaul.migration;

/**
 * The iteration loop of pre-copy (P.Haul's): pre-dump rounds while the container runs, each moving only
 * the pages dirtied since the previous one, until {@link PreCopyStopRule} says the rest is best moved in
 * the freeze. Needs soft-dirty tracking on both hosts; never chosen where it is missing.
 */
final class PreCopyLoop {
    private PreCopyLoop() {}

    /** The destination's page server first (the rounds send their pages there), then the rounds. */
    static int runAfterPageServer(MigrationRequest r, MigrationSteps steps, MigrationStrategy.Phases phases,
                                  PreCopyStopRule rule) {
        Streamed.startPageServer(r, steps, phases);
        return run(r, steps, phases, rule);
    }

    /** Runs the rounds; returns how many ran. Each round's figures go to the report's notes. */
    static int run(MigrationRequest r, MigrationSteps steps, MigrationStrategy.Phases phases, PreCopyStopRule rule) {
        long previous = -1;
        for (int round = 1; ; round++) {
            final int n = round;
            long bytes = phases.run(Phase.PRE_DUMP, () -> steps.preDump(r, n));
            PreCopyStopRule.Verdict v = rule.afterRound(round, bytes, previous);
            phases.note("pre-dump round " + round + ": " + (bytes >> 10) + " KiB dirty; " + v.reason());
            if (v.stop()) {
                return round;
            }
            previous = bytes;
        }
    }
}
