package io.onehaul.transfer;

import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Whether a copy failed because its connection broke (worth another attempt, which resumes: rsync sends
 * only what differs, in place) or for a reason that another attempt cannot change (disk full, a refused
 * key, a missing file). The backoff doubles from {@link #FIRST_BACKOFF}.
 */
final class BrokenConnection {
    /** rsync: socket I/O (10), protocol data stream (12), timeout in data send/receive (30) or connect (35); ssh (255). */
    static final Set<Integer> EXIT_CODES = Set.of(10, 12, 30, 35, 255);
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(2);
    /** Besides a refused key or login (what {@link PathChoice#classify} calls REFUSED): the destination's own state. */
    private static final Pattern NOT_THE_NETWORK = Pattern.compile(
            "No space left on device|Disk quota exceeded|No such file or directory");

    private BrokenConnection() {}

    static boolean is(int exitCode, String stderr) {
        return EXIT_CODES.contains(exitCode) && PathChoice.classify(exitCode, stderr) != PathChoice.Reach.REFUSED
                && !NOT_THE_NETWORK.matcher(stderr).find();
    }

    /** Before attempt n (n ≥ 2): 2 s, 4 s, 8 s, … */
    static Duration backoff(int attempt) {
        return FIRST_BACKOFF.multipliedBy(1L << Math.max(0, attempt - 2));
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
