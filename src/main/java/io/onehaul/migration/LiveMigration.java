package io.onehaul.migration;

import io.onehaul.progress.MigrationProgress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop of every live migration, whatever the strategy: pre-flight, pre-sync of the disks, the
 * strategy's own steps and freeze, then commit or rollback. The source stays held (frozen by CRIU's
 * action script, or serving its pages) until the destination runs with all its memory, so a failure at
 * any point before the commit lets the source go on; after the commit the source is never touched again
 * and the migration counts as done. No I/O here: the {@link MigrationSteps} port does it.
 */
public final class LiveMigration {
    private static final Logger log = LoggerFactory.getLogger(LiveMigration.class);

    private final MigrationSteps steps;
    private final Clock clock;
    private final StrategyChoice.Chooser chooser;
    private final boolean coldFallback;
    private MigrationProgress progress = MigrationProgress.NONE;

    /** Stop-and-copy, the strategy every host can run. */
    public LiveMigration(MigrationSteps steps, Clock clock) {
        this(steps, clock, (hosts, driver) -> new StrategyChoice.Choice(new StopAndCopy(), "the only strategy asked for"));
    }

    /** @param chooser picks the strategy from what pre-flight found both hosts can do and what the steps can */
    public LiveMigration(MigrationSteps steps, Clock clock, StrategyChoice.Chooser chooser) {
        this(steps, clock, chooser, false);
    }

    /** @param coldFallback when CRIU cannot dump the container: stop, move and boot it instead (opt-in) */
    public LiveMigration(MigrationSteps steps, Clock clock, StrategyChoice.Chooser chooser, boolean coldFallback) {
        this.steps = steps;
        this.clock = clock;
        this.chooser = chooser;
        this.coldFallback = coldFallback;
    }

    /** Who is told each phase as it starts (the operator, through oned); nobody by default. */
    public LiveMigration withProgress(MigrationProgress p) {
        this.progress = p;
        return this;
    }

    public MigrationReport run(MigrationRequest r) {
        Instant start = clock.instant();
        MigrationReport report = new MigrationReport(r, "?", start.toString());
        Timed phases = new Timed(report);
        MigrationStrategy strategy;
        try {
            phases.run(Phase.PREFLIGHT, () -> {
                steps.preflight(r);
                return null;
            });
            report.transferPath = steps.transferPath();
            Set<Capability> driver = Capability.of(steps);
            StrategyChoice.Choice choice = chooser.choose(steps.features(), driver);
            strategy = choice.strategy();
            refuseWhatTheDriverCannotRun(strategy, driver);
            report.strategy = strategy.name();
            report.strategyReason = choice.reason();
            log.info("strategy {}: {}", strategy.name(), choice.reason());
        } catch (DumpRefusedException e) {
            // pre-flight found what CRIU would refuse; nothing was frozen, so a cold move may replace it
            report.transferPath = steps.transferPath();
            if (coldMoveAllowed()) {
                return coldMove(report, r, start, e);
            }
            return fail(report, start, "refused", e.getMessage() + noColdMove(), true, e);
        } catch (RuntimeException e) {
            return fail(report, start, "refused", e.getMessage(), true, e);
        }
        MigrationStrategy.Freeze freeze;
        try {
            if (!r.sharedDatastore()) {
                phases.run(Phase.PRESYNC, () -> steps.presync(r));
            }
            strategy.beforeFreeze(r, steps, phases);
            log.info("freezing {} on {} ({})", r.container(), r.sourceHost(), strategy.name());
            freeze = strategy.freeze(r, steps, phases);
            strategy.beforeRelease(r, steps, phases);
        } catch (DumpRefusedException e) {
            if (coldMoveAllowed()) {
                return coldMove(report, r, start, e);
            }
            boolean runsOnSource = rollback(report, r);
            return fail(report, start, runsOnSource ? "rolled-back" : "failed", e.getMessage() + noColdMove(),
                    runsOnSource, e);
        } catch (RuntimeException e) {
            if (e instanceof PagesLostException lost && lost.bothHeld()) {
                // no rollback: the source cannot be told, and the destination's copy must not be destroyed
                return fail(report, start, "held", e.getMessage(), false, e);
            }
            boolean runsOnSource = rollback(report, r);
            String reason = e.getMessage();
            if (!runsOnSource && e instanceof PagesLostException lost) {
                reason = "CONTAINER LOST: post-copy lost its page source before every page arrived, the "
                        + "destination copy was killed and the source " + (lost.sourceMayResume()
                        ? "could not be resumed" : "is gone") + ": " + e.getMessage();
            }
            return fail(report, start, runsOnSource ? "rolled-back" : "failed", reason, runsOnSource, e);
        }
        try {
            phases.run(Phase.COMMIT, () -> {
                steps.commitSource(r);
                return null;
            });
        } catch (RuntimeException e) {
            // The destination runs and the adapter has made sure the source does not: the move happened.
            log.warn("source cleanup after commit was incomplete: {}", e.getMessage());
            report.reason = "source cleanup incomplete: " + e.getMessage();
        }
        double offset = steps.destinationClockOffsetSeconds();
        report.destinationClockOffsetSeconds = offset;
        report.freezeSeconds = seconds(Duration.between(freeze.dumpStart(), freeze.destinationRuns())) + offset;
        report.result = "success";
        report.totalSeconds = seconds(Duration.between(start, clock.instant()));
        return report;
    }

    /** Where an operator allows the cold fallback, named in the VM log when it is not allowed. */
    static final String COLD_FALLBACK_SETTING = "migration.cold_fallback in onehaul.conf, or ONEHAUL_COLD_FALLBACK";

    /**
     * A chooser that picked what the driver's steps cannot run is refused before anything moves: the
     * steps would otherwise fail half-way, after the pre-sync.
     */
    private static void refuseWhatTheDriverCannotRun(MigrationStrategy strategy, Set<Capability> driver) {
        for (Capability c : strategy.needs()) {
            if (!driver.contains(c)) {
                throw new MigrationRefusedException("strategy " + strategy.name() + " cannot run: this driver cannot "
                        + c.does());
            }
        }
    }

    private boolean coldMoveAllowed() {
        return coldFallback && steps instanceof MigrationSteps.WithColdMove;
    }

    private String noColdMove() {
        return coldFallback ? " (a cold move instead is not possible: this driver cannot " + Capability.COLD_MOVE.does() + ")"
                : " (a cold move instead is not allowed: " + COLD_FALLBACK_SETTING + ")";
    }

    /**
     * CRIU could not dump the container and the operator allows a cold move: the source was never frozen;
     * stop it cleanly, move it, boot it on the destination, and say so loudly — its processes restarted.
     */
    private MigrationReport coldMove(MigrationReport report, MigrationRequest r, Instant start, DumpRefusedException why) {
        log.warn("COLD MOVE of {}: CRIU cannot dump it ({}); cold fallback is allowed, so it is stopped on {}, "
                + "moved and booted on {}: its processes restart", r.container(), why.getMessage(), r.sourceHost(),
                r.destinationHost());
        report.strategy = "cold";
        report.strategyReason = "cold fallback: CRIU could not dump the container: " + why.getMessage();
        Timed phases = new Timed(report);
        MigrationStrategy.Freeze downtime;
        try {
            steps.resumeSource(r); // the failed dump left no hold behind; make sure of it
            downtime = phases.run(Phase.COLD_MOVE, () -> Capability.as(steps, MigrationSteps.WithColdMove.class).coldMove(r));
        } catch (RuntimeException e) {
            boolean runsOnSource = rollback(report, r);
            return fail(report, start, runsOnSource ? "rolled-back" : "failed", "cold move after a refused dump failed: "
                    + e.getMessage(), runsOnSource, e);
        }
        double offset = steps.destinationClockOffsetSeconds();
        report.destinationClockOffsetSeconds = offset;
        report.freezeSeconds = seconds(Duration.between(downtime.dumpStart(), downtime.destinationRuns())) + offset;
        report.result = "success";
        report.reason = "COLD MOVE (processes restarted): " + why.getMessage();
        report.totalSeconds = seconds(Duration.between(start, clock.instant()));
        return report;
    }

    private boolean rollback(MigrationReport report, MigrationRequest r) {
        progress.phase(Phase.ROLLBACK.label());
        long t0 = clock.millis();
        StringBuilder errors = new StringBuilder();
        try {
            steps.cleanDestination(r);
        } catch (RuntimeException e) {
            errors.append("destination cleanup: ").append(e.getMessage()).append("; ");
        }
        boolean runs;
        try {
            runs = steps.resumeSource(r);
        } catch (RuntimeException e) {
            errors.append("source resume: ").append(e.getMessage());
            runs = false;
        }
        report.add(Phase.ROLLBACK, clock.millis() - t0, null, errors.length() == 0 ? null : errors.toString());
        return runs;
    }

    private MigrationReport fail(MigrationReport report, Instant start, String result, String reason,
                                 boolean runsOnSource, RuntimeException cause) {
        report.result = result;
        report.reason = reason;
        report.totalSeconds = seconds(Duration.between(start, clock.instant()));
        throw new MigrationFailedException(reason, runsOnSource, report, cause);
    }

    /** Times each phase into the report. */
    private final class Timed implements MigrationStrategy.Phases {
        private final MigrationReport report;

        Timed(MigrationReport report) {
            this.report = report;
        }

        @Override
        public <T> T run(Phase p, Supplier<T> body) {
            progress.phase(p.label());
            long t0 = clock.millis();
            try {
                T result = body.get();
                report.add(p, clock.millis() - t0, result instanceof Long bytes ? bytes : null, null);
                return result;
            } catch (RuntimeException e) {
                report.add(p, clock.millis() - t0, null, e.getMessage());
                throw e;
            }
        }

        @Override
        public void addBytes(Phase p, long bytes) {
            report.addBytes(p, bytes);
        }

        @Override
        public void note(String text) {
            report.notes.add(text);
            log.info("{}", text);
        }
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
