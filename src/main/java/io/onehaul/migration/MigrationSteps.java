package io.onehaul.migration;

import java.time.Instant;

/**
 * Port: what the two hosts can do for a stop-and-copy live migration. The orchestration
 * ({@link LiveMigration}) decides the order and what to undo; an adapter does the I/O (LXC, CRIU,
 * rsync over SSH). Each method throws on failure with a reason for the VM log.
 */
public interface MigrationSteps {

    /** Read-only checks on both hosts; throws {@link MigrationRefusedException} with the reason. */
    void preflight(MigrationRequest r);

    /** Copies the VM folder while the container runs (skipped for shared datastores). Returns bytes sent. */
    long presync(MigrationRequest r);

    /**
     * Checkpoints the container and keeps its processes frozen on the source until {@link #commitSource}
     * or {@link #resumeSource}. Returns the source host's clock when the dump started.
     */
    Instant dumpAndHold(MigrationRequest r);

    /** The last copy while frozen: the rootfs delta and the checkpoint images. Returns bytes sent. */
    long finalSync(MigrationRequest r);

    /** Restores on the destination and confirms it runs. Returns the destination host's clock then. */
    Instant restoreOnDestination(MigrationRequest r);

    /** The destination runs: lets CRIU end the held source processes and releases the source. */
    void commitSource(MigrationRequest r);

    /** Rollback: the held (or never frozen) source goes on running; true if it runs afterwards. */
    boolean resumeSource(MigrationRequest r);

    /** Rollback: removes whatever the migration made on the destination (container, mounts, copies). */
    void cleanDestination(MigrationRequest r);

    /** Seconds to add to a destination-clock time to put it on the source's clock (from preflight). */
    double destinationClockOffsetSeconds();
}
