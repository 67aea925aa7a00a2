package io.onehaul.migration;

import java.time.Instant;
import java.util.Set;
import java.util.function.Supplier;

/**
 * How a live migration moves the container's memory: the part that differs between stop-and-copy,
 * streamed, post-copy, pre-copy and hybrid. {@link LiveMigration} is the loop around it (pre-flight,
 * pre-sync, commit, rollback); {@link MigrationSteps} does the I/O. Each strategy is its own class and
 * is tested on fake steps.
 */
public interface MigrationStrategy {

    /** The name in reports, VM log lines and settings: stop-and-copy, streamed, post-copy, pre-copy, hybrid. */
    String name();

    /** What the driver's steps must be able to do for this strategy (besides stop-and-copy's steps). */
    Set<Capability> needs();

    /** While the container still runs, after the disk pre-sync: whatever shortens the freeze. */
    default void beforeFreeze(MigrationRequest r, MigrationSteps steps, Phases phases) {}

    /** The freeze: from the dump on the source until the destination runs. */
    Freeze freeze(MigrationRequest r, MigrationSteps steps, Phases phases);

    /** The destination runs; what must end before the held source may be released (post-copy: the last page). */
    default void beforeRelease(MigrationRequest r, MigrationSteps steps, Phases phases) {}

    /** The two instants the freeze is measured between, each on its own host's clock. */
    record Freeze(Instant dumpStart, Instant destinationRuns) {}

    /** Runs a step as a named phase of the report (duration, bytes when the step returns a Long). */
    interface Phases {
        <T> T run(Phase phase, Supplier<T> step);

        /** Adds bytes a phase moved that its step could only count after it ended (pages a page server received). */
        void addBytes(Phase phase, long bytes);

        /** A line for the report's notes and the VM log (per-round figures, why a loop stopped). */
        void note(String text);
    }
}
