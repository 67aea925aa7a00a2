package io.onehaul.migration;

import static io.onehaul.migration.LiveMigrationTest.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.migration.LiveMigrationTest.FakeSteps;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Each strategy in isolation on fake hosts: what it asks the hosts to do, in which order, and its rollback. */
class StrategiesTest {
    final Clock clock = Clock.fixed(Instant.ofEpochSecond(1_000), ZoneOffset.UTC);
    static final long MIB = 1L << 20;

    MigrationReport run(FakeSteps steps, MigrationStrategy s) {
        return new LiveMigration(steps, clock, (hosts, driver) -> new StrategyChoice.Choice(s, "asked for")).run(request(false));
    }

    @Test
    void stop_and_copy_dumps_to_images_copies_them_and_restores() {
        FakeSteps steps = new FakeSteps();
        MigrationReport rep = run(steps, new StopAndCopy());
        assertEquals(List.of("preflight", "presync", "dump", "finalSync", "restore", "commit"), steps.calls);
        assertEquals("stop-and-copy", rep.strategy);
        assertEquals("asked for", rep.strategyReason);
    }

    @Test
    void streamed_starts_the_page_server_before_the_freeze_and_dumps_into_it() {
        FakeSteps steps = new FakeSteps();
        MigrationReport rep = run(steps, new Streamed());
        assertEquals(List.of("preflight", "presync", "pageServer", "dump PAGE_SERVER", "finalSync",
                "restore PAGE_SERVER", "commit"), steps.calls);
        assertEquals(0.80, rep.freezeSeconds, 1e-9);
        assertTrue(rep.toJson().contains("\"phase\":\"page_server\""), rep.toJson());
    }

    @Test
    void streamed_counts_the_pages_its_page_server_received_as_the_dumps_bytes() {
        FakeSteps steps = new FakeSteps();
        steps.pageServerBytes = 64 * MIB;
        MigrationReport rep = run(steps, new Streamed());
        assertEquals(1000 + 64 * MIB + 50, rep.bytesMoved, "pre-sync + pages into the page server + final copy");
        assertEquals(64 * MIB, rep.phases.stream().filter(p -> p.phase().equals("dump")).findFirst().orElseThrow().bytes());
    }

    @Test
    void pre_copy_counts_the_rounds_and_the_final_dumps_pages_once_each() {
        FakeSteps steps = new FakeSteps();
        steps.features = new HostFeatures(true, false, true, 100 * MIB, 1024 * MIB, "");
        steps.rounds = List.of(1024 * MIB, 90 * MIB);
        steps.pageServerBytes = 7 * MIB;
        MigrationReport rep = run(steps, new PreCopy(new PreCopyStopRule(2.0, 100 * MIB)));
        assertEquals(1000 + 1024 * MIB + 90 * MIB + 7 * MIB + 50, rep.bytesMoved);
    }

    @Test
    void streamed_rolls_back_like_stop_and_copy_when_the_page_server_cannot_start() {
        FakeSteps steps = new FakeSteps("pageServer");
        MigrationFailedException e = assertThrows(MigrationFailedException.class, () -> run(steps, new Streamed()));
        assertTrue(e.containerRunsOnSource());
        assertFalse(steps.calls.stream().anyMatch(c -> c.startsWith("dump")), "nothing frozen: " + steps.calls);
        assertEquals(List.of("cleanDestination", "resume"), steps.calls.subList(steps.calls.size() - 2, steps.calls.size()));
    }

    @Test
    void post_copy_restores_lazily_and_releases_the_source_only_after_the_last_page() {
        FakeSteps steps = new FakeSteps();
        MigrationReport rep = run(steps, new PostCopy());
        assertEquals(List.of("preflight", "presync", "prepareLazy", "dump LAZY", "finalSync", "restore LAZY",
                "awaitLazyPages", "commit"), steps.calls, "the path to the page service is made before the freeze");
        assertEquals(0.80, rep.freezeSeconds, 1e-9, "the freeze ends when the destination runs, not at the last page");
        assertTrue(rep.toJson().contains("\"phase\":\"lazy_pages\""));
    }

    @Test
    void post_copy_that_loses_its_page_source_kills_the_destination_and_resumes_the_held_source() {
        FakeSteps steps = new FakeSteps();
        steps.pagesLost = new PagesLostException("the lazy-pages daemon ended with code 1", true);
        MigrationFailedException e = assertThrows(MigrationFailedException.class, () -> run(steps, new PostCopy()));
        assertFalse(steps.calls.contains("commit"), "the source is never released without every page");
        assertEquals(List.of("awaitLazyPages", "cleanDestination", "resume"), steps.calls.subList(steps.calls.size() - 3,
                steps.calls.size()));
        assertTrue(e.containerRunsOnSource());
        assertEquals("rolled-back", e.report().result);
    }

    @Test
    void post_copy_whose_source_is_gone_too_says_the_container_is_lost() {
        FakeSteps steps = new FakeSteps();
        steps.pagesLost = new PagesLostException("the lazy-pages daemon ended by signal 9", false);
        steps.sourceRunsAfterResume = false;
        MigrationFailedException e = assertThrows(MigrationFailedException.class, () -> run(steps, new PostCopy()));
        assertFalse(e.containerRunsOnSource());
        assertEquals("failed", e.report().result);
        assertTrue(e.getMessage().startsWith("CONTAINER LOST"), e.getMessage());
        assertTrue(e.getMessage().contains("the source is gone"), e.getMessage());
    }

    @Test
    void post_copy_whose_source_cannot_be_told_keeps_both_copies_and_rolls_nothing_back() {
        FakeSteps steps = new FakeSteps();
        steps.pagesLost = PagesLostException.bothHeld("NOTHING DESTROYED, BOTH COPIES HELD: …");
        MigrationFailedException e = assertThrows(MigrationFailedException.class, () -> run(steps, new PostCopy()));
        assertEquals("awaitLazyPages", steps.calls.get(steps.calls.size() - 1),
                "neither the destination's copy is cleaned nor the unreachable source resumed: " + steps.calls);
        assertFalse(e.containerRunsOnSource());
        assertEquals("held", e.report().result);
        assertTrue(e.getMessage().startsWith("NOTHING DESTROYED"), e.getMessage());
    }

    @Test
    void pre_copy_iterates_until_the_dirty_set_fits_the_target_then_streams_the_rest() {
        FakeSteps steps = new FakeSteps();
        // 100 MiB/s link, 2 s target: <= 100 MiB left is small enough
        steps.features = new HostFeatures(true, false, true, 100 * MIB, 1024 * MIB, "");
        steps.rounds = List.of(1024 * MIB, 300 * MIB, 90 * MIB);
        MigrationReport rep = run(steps, new PreCopy(new PreCopyStopRule(2.0, 100 * MIB)));
        assertEquals(List.of("preflight", "presync", "preDump 1", "preDump 2", "preDump 3", "pageServer", "dump PAGE_SERVER",
                "finalSync", "restore PAGE_SERVER", "commit"), steps.calls);
        assertEquals(3, rep.notes.size(), "one line per round: " + rep.notes);
        assertTrue(rep.notes.get(2).contains("small enough"), rep.notes.get(2));
    }

    @Test
    void each_round_notes_its_pages_its_seconds_and_how_fast_the_workload_dirtied_memory_since_the_last() {
        FakeSteps steps = new FakeSteps();
        steps.rounds = List.of(1024 * MIB, 300 * MIB, 90 * MIB);
        // round starts and ends on a monotonic clock: 0-2 s, 2-3 s, 3-3.5 s
        Iterator<Long> nanos = List.of(0L, 2_000_000_000L, 2_000_000_000L, 3_000_000_000L, 3_000_000_000L,
                3_500_000_000L).iterator();
        List<String> notes = new ArrayList<>();
        int rounds = PreCopyLoop.run(request(false), steps, new MigrationStrategy.Phases() {
            @Override
            public <T> T run(Phase phase, Supplier<T> step) {
                return step.get();
            }

            @Override
            public void addBytes(Phase phase, long bytes) {}

            @Override
            public void note(String text) {
                notes.add(text);
            }
        }, new PreCopyStopRule(2.0, 100 * MIB), nanos::next);
        assertEquals(3, rounds);
        assertTrue(notes.get(0).startsWith("pre-dump round 1: 262144 pages (1048576 KiB) in 2.00 s; another round"),
                notes.get(0));
        assertTrue(notes.get(1).startsWith("pre-dump round 2: 76800 pages (307200 KiB) in 1.00 s, dirtied at 150.0 MiB/s;"),
                notes.get(1));
        assertTrue(notes.get(2).contains("in 0.50 s, dirtied at 90.0 MiB/s; small enough"), notes.get(2));
    }

    @Test
    void hybrid_iterates_then_restores_lazily_and_awaits_the_last_page() {
        FakeSteps steps = new FakeSteps();
        steps.rounds = List.of(1024 * MIB, 900 * MIB);
        run(steps, new Hybrid(new PreCopyStopRule(2.0, 100 * MIB)));
        assertEquals(List.of("preflight", "presync", "preDump 1", "preDump 2", "prepareLazy", "dump LAZY",
                "finalSync", "restore LAZY", "awaitLazyPages", "commit"), steps.calls);
    }

    @Test
    void the_stop_rule_stops_when_small_enough_when_not_shrinking_or_at_the_round_cap() {
        PreCopyStopRule rule = new PreCopyStopRule(2.0, 100 * MIB); // 100 MiB fit
        assertTrue(rule.afterRound(1, 100 * MIB, -1).stop());
        assertFalse(rule.afterRound(1, 1024 * MIB, -1).stop());
        assertTrue(rule.afterRound(2, 900 * MIB, 1024 * MIB).stop(), "900 of 1024 is not 20 % less");
        assertTrue(rule.afterRound(2, 900 * MIB, 1024 * MIB).reason().contains("no longer shrinking"));
        assertFalse(rule.afterRound(2, 500 * MIB, 1024 * MIB).stop());
        // a steadily shrinking set still ends at the cap
        long bytes = 64L << 30;
        int round = 1;
        long previous = -1;
        while (!rule.afterRound(round, bytes, previous).stop()) {
            previous = bytes;
            bytes = bytes / 2;
            round++;
        }
        assertEquals(PreCopyStopRule.MAX_ROUNDS, round, rule.afterRound(round, bytes, previous).reason());
        assertTrue(rule.afterRound(round, bytes, previous).reason().contains("round cap"));
    }

    @Test
    void a_pre_dump_round_that_fails_rolls_back_with_the_source_never_frozen() {
        FakeSteps steps = new FakeSteps("preDump 2");
        steps.rounds = List.of(1024 * MIB, 300 * MIB);
        MigrationFailedException e = assertThrows(MigrationFailedException.class,
                () -> run(steps, new PreCopy(new PreCopyStopRule(2.0, 100 * MIB))));
        assertTrue(e.containerRunsOnSource());
        assertFalse(steps.calls.stream().anyMatch(c -> c.startsWith("dump")));
    }

    @Test
    void a_container_criu_cannot_dump_stays_running_on_the_source_unless_a_cold_move_is_allowed() {
        FakeSteps steps = new FakeSteps();
        steps.criuRefuses = true;
        MigrationFailedException e = assertThrows(MigrationFailedException.class, () -> run(steps, new Streamed()));
        assertTrue(e.containerRunsOnSource());
        assertFalse(steps.calls.contains("coldMove"));
        assertTrue(e.getMessage().contains("bpf-prog") && e.getMessage().contains("a cold move instead is not allowed"),
                e.getMessage());
    }

    @Test
    void with_cold_fallback_allowed_a_refused_dump_becomes_a_cold_move_that_says_so() {
        FakeSteps steps = new FakeSteps();
        steps.criuRefuses = true;
        MigrationReport rep = new LiveMigration(steps, clock, (hosts, driver) -> new StrategyChoice.Choice(new Streamed(), "asked for"),
                true).run(request(false));
        assertEquals("success", rep.result);
        assertEquals("cold", rep.strategy);
        assertTrue(rep.strategyReason.contains("bpf-prog"), rep.strategyReason);
        assertTrue(rep.reason.startsWith("COLD MOVE (processes restarted)"), rep.reason);
        assertEquals(3.05, rep.freezeSeconds, 1e-9, "downtime: stopped on the source until running on the destination");
        assertEquals(List.of("preflight", "presync", "pageServer", "dump PAGE_SERVER", "resume", "coldMove"), steps.calls);
        assertFalse(steps.calls.contains("cleanDestination"), "the pre-synced copy is what the cold move finishes");
    }
}
