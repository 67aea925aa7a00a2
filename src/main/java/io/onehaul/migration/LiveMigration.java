package io.onehaul.migration;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stop-and-copy live migration with rollback. The source stays frozen (held by CRIU's action
 * script) from the dump until the destination confirms its restore, so a failure at any point before
 * the commit just lets the source go on; after the commit the source is never touched again and the
 * migration counts as done. No I/O here: the {@link MigrationSteps} port does it.
 */
public final class LiveMigration {
    public static final String STRATEGY = "stop-and-copy";
    private static final Logger log = LoggerFactory.getLogger(LiveMigration.class);

    private final MigrationSteps steps;
    private final Clock clock;

    public LiveMigration(MigrationSteps steps, Clock clock) {
        this.steps = steps;
        this.clock = clock;
    }

    public MigrationReport run(MigrationRequest r) {
        Instant start = clock.instant();
        MigrationReport report = new MigrationReport(r, STRATEGY, start.toString());
        try {
            phase(report, Phase.PREFLIGHT, () -> {
                steps.preflight(r);
                return null;
            });
        } catch (RuntimeException e) {
            return fail(report, start, "refused", e.getMessage(), true, e);
        }
        Instant dumpStart;
        Instant restored;
        try {
            if (!r.sharedDatastore()) {
                phase(report, Phase.PRESYNC, () -> steps.presync(r));
            }
            log.info("freezing {} on {}", r.container(), r.sourceHost());
            dumpStart = phase(report, Phase.DUMP, () -> steps.dumpAndHold(r));
            phase(report, Phase.FINAL_SYNC, () -> steps.finalSync(r));
            restored = phase(report, Phase.RESTORE, () -> steps.restoreOnDestination(r));
        } catch (RuntimeException e) {
            boolean runsOnSource = rollback(report, r);
            return fail(report, start, runsOnSource ? "rolled-back" : "failed", e.getMessage(), runsOnSource, e);
        }
        try {
            phase(report, Phase.COMMIT, () -> {
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
        report.freezeSeconds = seconds(Duration.between(dumpStart, restored)) + offset;
        report.result = "success";
        report.totalSeconds = seconds(Duration.between(start, clock.instant()));
        return report;
    }

    private boolean rollback(MigrationReport report, MigrationRequest r) {
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

    private <T> T phase(MigrationReport report, Phase p, Supplier<T> body) {
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

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
