package io.onehaul.progress;

/**
 * Port: what an operator watching a migration should see while it runs. one_vmm_exec relays a local
 * action's stderr (the VM log lines) only when the action ends, so a long pre-sync over a slow link would
 * otherwise show nothing for minutes. Implementations must never throw and never make the caller wait on
 * their own I/O: progress is a courtesy, the migration is the job.
 */
public interface MigrationProgress {

    /**
     * The migration is in phase {@code name} (e.g. "pre-sync"), {@code bytesDone} of {@code bytesTotal}
     * moved so far; -1 for either when the phase moves no bytes or the figure is unknown.
     */
    void phase(String name, long bytesDone, long bytesTotal);

    /** A phase without a byte count. */
    default void phase(String name) {
        phase(name, -1, -1);
    }

    /** The container runs on the destination; {@code summary} is the report's line. */
    void done(String summary);

    /** The migration did not happen; {@code reason} is the text the VM log gets. */
    void failed(String reason);

    /** Nobody to tell (no oned endpoint): every call does nothing. */
    MigrationProgress NONE = new MigrationProgress() {
        @Override
        public void phase(String name, long bytesDone, long bytesTotal) {}

        @Override
        public void done(String summary) {}

        @Override
        public void failed(String reason) {}

        @Override
        public String toString() {
            return "no progress publishing";
        }
    };
}
