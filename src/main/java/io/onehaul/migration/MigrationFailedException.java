package io.onehaul.migration;

/**
 * The migration did not happen; {@link #containerRunsOnSource()} says whether rollback brought the
 * container back on the source (what oned will assume after a MIGRATE FAILURE).
 */
public class MigrationFailedException extends RuntimeException {
    private final boolean containerRunsOnSource;
    private final MigrationReport report;

    public MigrationFailedException(String message, boolean containerRunsOnSource, MigrationReport report, Throwable cause) {
        super(message, cause);
        this.containerRunsOnSource = containerRunsOnSource;
        this.report = report;
    }

    public boolean containerRunsOnSource() {
        return containerRunsOnSource;
    }

    public MigrationReport report() {
        return report;
    }
}
