package io.onehaul.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rule: a byte count at most every 3 s; a new phase, and the end, at once. */
class ThrottledProgressTest {
    private final FakeClock clock = new FakeClock("2026-11-27T12:00:00Z");
    private final RecordedProgress oned = new RecordedProgress();
    private final ThrottledProgress progress = new ThrottledProgress(oned, clock);

    @Test
    void theIntervalIsThreeSeconds() {
        assertEquals(Duration.ofSeconds(3), ThrottledProgress.MIN_INTERVAL);
    }

    @Test
    void byteCountsOfOnePhaseGoOutAtMostEveryThreeSeconds() {
        progress.phase("pre-sync", 0, 1000);
        for (int i = 1; i <= 10; i++) {      // rsync redraws its meter every half second
            clock.advanceMillis(500);
            progress.phase("pre-sync", i * 10, 1000);
        }

        assertEquals(List.of("phase pre-sync 0/1000", "phase pre-sync 60/1000"), oned.calls,
                "the first report, then the first one 3 s later; the reports in between are dropped");
    }

    @Test
    void aReportJustUnderThreeSecondsLaterIsDroppedAndOneAtThreeSecondsGoesOut() {
        progress.phase("pre-sync", 1, 10);
        clock.advanceMillis(2999);
        progress.phase("pre-sync", 2, 10);
        clock.advanceMillis(1);
        progress.phase("pre-sync", 3, 10);

        assertEquals(List.of("phase pre-sync 1/10", "phase pre-sync 3/10"), oned.calls);
    }

    @Test
    void theFirstReportOfANewPhaseGoesOutAtOnce() {
        progress.phase("preflight");
        clock.advanceMillis(100);
        progress.phase("pre-sync", 0, 10);
        clock.advanceMillis(100);
        progress.phase("freeze");
        clock.advanceMillis(100);
        progress.phase("freeze");            // the final copy, still the freeze: nothing new to say
        clock.advanceMillis(100);
        progress.phase("restore");

        assertEquals(List.of("phase preflight", "phase pre-sync 0/10", "phase freeze", "phase restore"), oned.calls);
    }

    @Test
    void theEndGoesOutAtOnceAndNothingAfterIt() {
        progress.phase("restore");
        clock.advanceMillis(10);
        progress.done("migration success: stop-and-copy h1 -> h2");
        progress.phase("commit");
        progress.failed("late");

        assertEquals(List.of("phase restore", "done migration success: stop-and-copy h1 -> h2"), oned.calls);
    }

    @Test
    void aFailureRightAfterAReportIsNotHeldBack() {
        progress.phase("pre-sync", 5, 10);
        clock.advanceMillis(10);
        progress.failed("not migrated, still running on h1: no room");

        assertEquals(List.of("phase pre-sync 5/10", "failed not migrated, still running on h1: no room"), oned.calls);
    }
}
