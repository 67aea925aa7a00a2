package io.onehaul.progress;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Lets through at most one byte count per {@link #MIN_INTERVAL} (rsync redraws its progress several times
 * a second; each report that got through becomes a one.vm.update, and every update can fire API hooks on
 * the front-end). A new phase's first report and the final done/failed always go out, so the operator
 * never sees a phase late or a migration stuck in "running". Nothing after done/failed goes out.
 */
public final class ThrottledProgress implements MigrationProgress {
    /** Sunstone and {@code onevm show} are read by people: one refresh every few seconds is enough. */
    public static final Duration MIN_INTERVAL = Duration.ofSeconds(3);

    private final MigrationProgress next;
    private final Clock clock;
    private String phase;
    private Instant sent;
    private boolean ended;

    public ThrottledProgress(MigrationProgress next, Clock clock) {
        this.next = Objects.requireNonNull(next, "next");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void phase(String name, long bytesDone, long bytesTotal) {
        if (letThrough(name)) {
            next.phase(name, bytesDone, bytesTotal);
        }
    }

    /** Decided under the lock, forwarded outside it: reports come from the main thread and output pumps. */
    private synchronized boolean letThrough(String name) {
        Instant now = clock.instant();
        if (ended || name.equals(phase) && Duration.between(sent, now).compareTo(MIN_INTERVAL) < 0) {
            return false;
        }
        phase = name;
        sent = now;
        return true;
    }

    private synchronized boolean end() {
        if (ended) {
            return false;
        }
        ended = true;
        return true;
    }

    @Override
    public void done(String summary) {
        if (end()) {
            next.done(summary);
        }
    }

    @Override
    public void failed(String reason) {
        if (end()) {
            next.failed(reason);
        }
    }
}
