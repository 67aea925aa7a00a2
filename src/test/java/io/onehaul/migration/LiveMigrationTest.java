package io.onehaul.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.opennebula.DriverMessage;
import io.onehaul.opennebula.VmmArgs;
import io.onehaul.progress.RecordedProgress;
import io.onehaul.testsupport.Fixtures;
import io.onehaul.testsupport.MigrationRequests;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The orchestration of a stop-and-copy live migration, with every failure branch, on fake hosts. */
class LiveMigrationTest {

    static MigrationRequest request(boolean shared) {
        return MigrationRequests.oneThreeToH2(shared);
    }

    /** Records calls; fails at the step it is told to. */
    static final class FakeSteps implements MigrationSteps, MigrationSteps.WithPageServer, MigrationSteps.WithPreDump,
            MigrationSteps.WithLazyPages, MigrationSteps.WithColdMove {
        final List<String> calls = new ArrayList<>();
        final Set<String> failing;
        boolean sourceRunsAfterResume = true;
        HostFeatures features = HostFeatures.BASIC;
        /** Bytes each pre-dump round reports, in order. */
        List<Long> rounds = List.of();
        /** awaitLazyPages throws this (the page source died) when set. */
        PagesLostException pagesLost;

        FakeSteps(String... failing) {
            this.failing = Set.of(failing);
        }

        private void step(String name) {
            calls.add(name);
            if (failing.contains(name)) {
                throw new IllegalStateException(name + " broke");
            }
        }

        /** Pre-flight's scan finds what CRIU would refuse. */
        boolean scanFindsUndumpable;

        @Override public void preflight(MigrationRequest r) {
            calls.add("preflight");
            if (failing.contains("preflight")) {
                throw new MigrationRefusedException("pre-flight refused: no room");
            }
            if (scanFindsUndumpable) {
                throw new DumpRefusedException("pre-flight: CRIU cannot checkpoint one-3: process 1 (systemd) holds a BPF"
                        + " program (fd 23, anon_inode:bpf-prog)", null);
            }
        }
        @Override public long presync(MigrationRequest r) { step("presync"); return 1000; }
        @Override public HostFeatures features() { return features; }
        @Override public long preDump(MigrationRequest r, int round) {
            step("preDump " + round);
            return rounds.get(round - 1);
        }
        @Override public void startPageServer(MigrationRequest r) { step("pageServer"); }
        /** What the page server received from the dump, counted after the destination runs. */
        long pageServerBytes = 0;
        @Override public long pageServerReceived(MigrationRequest r) { return pageServerBytes; }
        @Override public void prepareLazyPages(MigrationRequest r) { step("prepareLazy"); }
        /** The dump fails the way CRIU refuses a container it cannot checkpoint. */
        boolean criuRefuses;

        @Override public Instant dumpAndHold(MigrationRequest r, MemoryTransport t) {
            step(t == MemoryTransport.LOCAL_IMAGES ? "dump" : "dump " + t);
            if (criuRefuses) {
                throw new DumpRefusedException("CRIU dump of one-3 failed: Error (criu/files-ext.c:94): Can't dump file 23"
                        + " of that type [600] (anon anon_inode:bpf-prog)", null);
            }
            return Instant.ofEpochSecond(100);
        }
        @Override public MigrationStrategy.Freeze coldMove(MigrationRequest r) {
            step("coldMove");
            return new MigrationStrategy.Freeze(Instant.ofEpochSecond(200), Instant.ofEpochSecond(203));
        }
        @Override public long finalSync(MigrationRequest r) { step("finalSync"); return 50; }
        @Override public Instant restoreOnDestination(MigrationRequest r, MemoryTransport t) {
            step(t == MemoryTransport.LOCAL_IMAGES ? "restore" : "restore " + t);
            return Instant.ofEpochSecond(100, 750_000_000);
        }
        @Override public long awaitLazyPages(MigrationRequest r) {
            step("awaitLazyPages");
            if (pagesLost != null) {
                throw pagesLost;
            }
            return 4096;
        }
        @Override public void commitSource(MigrationRequest r) { step("commit"); }
        @Override public boolean resumeSource(MigrationRequest r) { step("resume"); return sourceRunsAfterResume; }
        @Override public void cleanDestination(MigrationRequest r) { step("cleanDestination"); }
        @Override public double destinationClockOffsetSeconds() { return 0.05; }
    }

    final Clock clock = Clock.fixed(Instant.ofEpochSecond(1_000), ZoneOffset.UTC);

    /** Steps of a driver that can only stop-and-copy: the base port, nothing more, recorded by a FakeSteps. */
    static final class StopAndCopyOnlySteps implements MigrationSteps {
        final FakeSteps recorder = new FakeSteps();

        @Override public void preflight(MigrationRequest r) { recorder.preflight(r); }
        @Override public HostFeatures features() { return new HostFeatures(true, true, true, 0, 0, ""); }
        @Override public long presync(MigrationRequest r) { return recorder.presync(r); }
        @Override public Instant dumpAndHold(MigrationRequest r, MemoryTransport t) { return recorder.dumpAndHold(r, t); }
        @Override public long finalSync(MigrationRequest r) { return recorder.finalSync(r); }
        @Override public Instant restoreOnDestination(MigrationRequest r, MemoryTransport t) {
            return recorder.restoreOnDestination(r, t);
        }
        @Override public void commitSource(MigrationRequest r) { recorder.commitSource(r); }
        @Override public boolean resumeSource(MigrationRequest r) { return recorder.resumeSource(r); }
        @Override public void cleanDestination(MigrationRequest r) { recorder.cleanDestination(r); }
        @Override public double destinationClockOffsetSeconds() { return 0; }
    }

    @Test
    void the_chooser_is_told_what_the_driver_can_do_and_auto_then_picks_only_that() {
        StopAndCopyOnlySteps steps = new StopAndCopyOnlySteps();
        MigrationSettings auto = new MigrationSettings(List.of(), 2.0, false);
        MigrationReport rep = new LiveMigration(steps, clock, (hosts, driver) -> StrategyChoice.choose(auto, hosts, driver))
                .run(request(false));
        assertEquals("stop-and-copy", rep.strategy, "the hosts could pre-dump and page-serve; this driver cannot");
        assertEquals("success", rep.result);
    }

    @Test
    void a_strategy_the_driver_cannot_run_is_refused_before_anything_moves() {
        StopAndCopyOnlySteps steps = new StopAndCopyOnlySteps();
        MigrationFailedException e = assertThrows(MigrationFailedException.class, () -> new LiveMigration(steps, clock,
                (hosts, driver) -> new StrategyChoice.Choice(new PreCopy(new PreCopyStopRule(2.0, 1 << 20)), "asked"))
                .run(request(false)));
        assertEquals(List.of("preflight"), steps.recorder.calls, "no pre-sync, no page server, no round");
        assertEquals("refused", e.report().result);
        assertTrue(e.containerRunsOnSource());
        assertTrue(e.getMessage().contains("strategy pre-copy cannot run: this driver cannot stream pages"), e.getMessage());
    }

    @Test
    void a_cold_move_the_operator_allows_but_the_driver_cannot_do_leaves_the_container_where_it_runs() {
        StopAndCopyOnlySteps steps = new StopAndCopyOnlySteps();
        steps.recorder.scanFindsUndumpable = true;
        MigrationFailedException e = assertThrows(MigrationFailedException.class, () -> new LiveMigration(steps, clock,
                (hosts, driver) -> new StrategyChoice.Choice(new StopAndCopy(), "asked"), true).run(request(false)));
        assertEquals(List.of("preflight"), steps.recorder.calls);
        assertTrue(e.getMessage().contains("a cold move instead is not possible: this driver cannot move a container cold"),
                e.getMessage());
    }

    @Test
    void a_good_migration_runs_every_phase_in_order_and_measures_the_freeze_on_the_hosts_clocks() {
        FakeSteps steps = new FakeSteps();
        MigrationReport report = new LiveMigration(steps, clock).run(request(false));
        assertEquals(List.of("preflight", "presync", "dump", "finalSync", "restore", "commit"), steps.calls);
        assertEquals("success", report.result);
        assertEquals(0.80, report.freezeSeconds, 1e-9, "restore confirmed 0.75 s after dump start + 0.05 s clock offset");
        assertEquals(1050, report.bytesMoved);
        assertTrue(report.toJson().contains("\"strategy\":\"stop-and-copy\""));
        assertTrue(report.summary().contains("freeze 0.80 s"));
    }

    @Test
    void the_operator_is_told_each_phase_as_it_starts() {
        RecordedProgress seen = new RecordedProgress();
        new LiveMigration(new FakeSteps(), clock).withProgress(seen).run(request(false));
        assertEquals(List.of("phase preflight", "phase pre-sync", "phase freeze", "phase freeze", "phase restore",
                "phase commit"), seen.calls, "dump and final copy are one freeze to the operator; the end is the caller's");
    }

    @Test
    void a_failure_shows_the_phase_it_broke_in_and_then_the_rollback() {
        RecordedProgress seen = new RecordedProgress();
        assertThrows(MigrationFailedException.class,
                () -> new LiveMigration(new FakeSteps("presync"), clock).withProgress(seen).run(request(false)));
        assertEquals(List.of("phase preflight", "phase pre-sync", "phase rollback"), seen.calls);
    }

    @Test
    void a_shared_datastore_is_not_copied() {
        FakeSteps steps = new FakeSteps();
        new LiveMigration(steps, clock).run(request(true));
        assertFalse(steps.calls.contains("presync"));
    }

    @Test
    void a_refusal_in_preflight_changes_nothing_and_needs_no_rollback() {
        FakeSteps steps = new FakeSteps("preflight");
        MigrationFailedException e = assertThrows(MigrationFailedException.class,
                () -> new LiveMigration(steps, clock).run(request(false)));
        assertEquals(List.of("preflight"), steps.calls);
        assertTrue(e.containerRunsOnSource());
        assertEquals("refused", e.report().result);
        assertTrue(e.getMessage().contains("no room"));
    }

    @Test
    void what_the_scan_finds_refuses_before_anything_is_frozen_and_names_the_offender() {
        FakeSteps steps = new FakeSteps();
        steps.scanFindsUndumpable = true;
        MigrationFailedException e = assertThrows(MigrationFailedException.class,
                () -> new LiveMigration(steps, clock).run(request(false)));
        assertEquals(List.of("preflight"), steps.calls, "no pre-sync, no dump, no rollback needed");
        assertTrue(e.containerRunsOnSource());
        assertEquals("refused", e.report().result);
        assertTrue(e.getMessage().contains("process 1 (systemd) holds a BPF program (fd 23, anon_inode:bpf-prog)")
                && e.getMessage().contains("a cold move instead is not allowed"), e.getMessage());
    }

    @Test
    void what_the_scan_finds_becomes_a_cold_move_where_the_operator_allows_it() {
        FakeSteps steps = new FakeSteps();
        steps.scanFindsUndumpable = true;
        MigrationReport rep = new LiveMigration(steps, clock, (hosts, driver) -> new StrategyChoice.Choice(new StopAndCopy(), "asked"),
                true).run(request(false));
        assertEquals(List.of("preflight", "resume", "coldMove"), steps.calls);
        assertEquals("cold", rep.strategy);
        assertTrue(rep.reason.startsWith("COLD MOVE (processes restarted): pre-flight: CRIU cannot checkpoint one-3"),
                rep.reason);
    }

    @ParameterizedTest
    @EnumSource(value = Phase.class, names = {"PRESYNC", "DUMP", "FINAL_SYNC", "RESTORE"})
    void any_failure_before_the_commit_cleans_the_destination_and_resumes_the_source(Phase failing) {
        String step = switch (failing) {
            case PRESYNC -> "presync";
            case DUMP -> "dump";
            case FINAL_SYNC -> "finalSync";
            default -> "restore";
        };
        FakeSteps steps = new FakeSteps(step);
        MigrationFailedException e = assertThrows(MigrationFailedException.class,
                () -> new LiveMigration(steps, clock).run(request(false)));
        assertEquals(List.of("cleanDestination", "resume"), steps.calls.subList(steps.calls.size() - 2, steps.calls.size()));
        assertFalse(steps.calls.contains("commit"), "never commit after a failure");
        assertTrue(e.containerRunsOnSource());
        assertEquals("rolled-back", e.report().result);
        assertTrue(e.getMessage().contains(step + " broke"));
        assertEquals(failing.name().toLowerCase(), e.report().phases.stream().filter(p -> p.error() != null)
                .findFirst().orElseThrow().phase());
    }

    @Test
    void a_rollback_that_cannot_bring_the_source_back_says_so() {
        FakeSteps steps = new FakeSteps("restore");
        steps.sourceRunsAfterResume = false;
        MigrationFailedException e = assertThrows(MigrationFailedException.class,
                () -> new LiveMigration(steps, clock).run(request(false)));
        assertFalse(e.containerRunsOnSource());
        assertEquals("failed", e.report().result);
    }

    @Test
    void a_destination_cleanup_failure_still_resumes_the_source() {
        FakeSteps steps = new FakeSteps("finalSync", "cleanDestination");
        MigrationFailedException e = assertThrows(MigrationFailedException.class,
                () -> new LiveMigration(steps, clock).run(request(false)));
        assertTrue(steps.calls.contains("resume"));
        assertTrue(e.containerRunsOnSource());
        assertTrue(e.report().phases.get(e.report().phases.size() - 1).error().contains("destination cleanup"));
    }

    @Test
    void after_the_commit_the_source_is_never_touched_again_even_if_its_cleanup_fails() {
        FakeSteps steps = new FakeSteps("commit");
        MigrationReport report = new LiveMigration(steps, clock).run(request(false));
        assertEquals("success", report.result, "the destination runs: the move happened");
        assertFalse(steps.calls.contains("resume"));
        assertFalse(steps.calls.contains("cleanDestination"));
        assertTrue(report.reason.contains("source cleanup incomplete"));
    }

    @Test
    void the_request_takes_source_from_host_and_datastore_and_destination_from_the_new_history() {
        MigrationRequest r = request(false);
        assertEquals("h1", r.sourceHost());
        assertEquals("h2", r.destinationHost());
        assertEquals("/var/lib/one/datastores/100/3", r.sourceSysdir());
        assertEquals("/var/lib/one/datastores/100/3", r.destinationSysdir());
        assertFalse(r.sameHost());
    }

    @Test
    void a_message_that_contradicts_the_argv_is_refused() {
        DriverMessage m = DriverMessage.parse(Fixtures.text("0006-vmm-migrate.stdin.xml"));
        assertThrows(io.onehaul.opennebula.BadInputException.class, () -> MigrationRequest.from(
                VmmArgs.migrate(List.of("one-3", "h1", "h2", "3", "h2")), m, "/var/lib/one/datastores"));
    }
}
