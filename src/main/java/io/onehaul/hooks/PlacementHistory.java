package io.onehaul.hooks;

import io.onehaul.opennebula.HistoryRecord;
import io.onehaul.opennebula.VmXml;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A VM's HISTORY_RECORDS read the way oned writes them, so that hook records say what happened rather
 * than what the newest record seems to say (reference §5.5, §5.7, §10.3).
 *
 * <ul>
 *   <li>A migration opens a record on the destination before any driver runs: during MIGRATE or
 *       SAVE_MIGRATE the newest record names a host the VM is not on yet.</li>
 *   <li>When the migration fails (a refused premigrate, migrate, save, shutdown or cancel), oned closes
 *       the destination's record, which never ran (RSTIME 0), closes the source's and opens a copy of the
 *       source's record ({@code revert_migrate_after_failure} in src/lcm/LifeCycleStates.cc). Such a
 *       <em>failed move</em> is not a placement: the VM never left the source.</li>
 *   <li>The kind of migration is kept in HISTORY/ACTION: 2 live-migrate on the source's record; 1 migrate
 *       (save), 48/49 poweroff(-hard)-migrate, on the destination's record while it runs and on the
 *       closed source record afterwards.</li>
 * </ul>
 */
final class PlacementHistory {
    static final int ACTION_MIGRATE = 1;
    static final int ACTION_LIVE_MIGRATE = 2;
    static final int ACTION_POFF_MIGRATE = 48;
    static final int ACTION_POFF_HARD_MIGRATE = 49;
    static final Set<Integer> MIGRATION_ACTIONS =
            Set.of(ACTION_MIGRATE, ACTION_LIVE_MIGRATE, ACTION_POFF_MIGRATE, ACTION_POFF_HARD_MIGRATE);

    /** LCM states in which a migration's driver steps are still running (reference §5.7). */
    static final int LCM_MIGRATE = 4;
    static final int LCM_SAVE_MIGRATE = 7;
    static final Set<Integer> LCM_MIGRATING = Set.of(LCM_MIGRATE, LCM_SAVE_MIGRATE, 8 /* PROLOG_MIGRATE */,
            35 /* BOOT_MIGRATE */, 43 /* PROLOG_MIGRATE_POWEROFF */, 45 /* PROLOG_MIGRATE_SUSPEND */,
            60 /* PROLOG_MIGRATE_UNKNOWN */);

    /** One migration as the history shows it. */
    record Move(HistoryRecord from, HistoryRecord to, String kind, Outcome outcome) {}

    enum Outcome {
        /** the driver steps are still running: the newest record is the destination's */
        IN_PROGRESS("in progress"),
        /** the destination's record was closed without the VM running there, and the source re-opened */
        FAILED("failed"),
        /** the VM got to the destination (it ran there, or arrived powered off or suspended) */
        DONE("done");

        private final String label;

        Outcome(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }

    private final VmXml vm;
    private final List<HistoryRecord> h;

    private PlacementHistory(VmXml vm) {
        this.vm = vm;
        this.h = vm.history();
    }

    static PlacementHistory of(VmXml vm) {
        return new PlacementHistory(vm);
    }

    /** Record {@code i} is a failed move: closed without ever running, and followed by a return to the host before it. */
    boolean failedMove(int i) {
        if (i <= 0 || i >= h.size() - 1) {
            return false;
        }
        HistoryRecord r = h.get(i);
        HistoryRecord before = h.get(i - 1);
        HistoryRecord after = h.get(i + 1);
        return r.runningStartTime() == 0 && r.endTime() != 0 && r.hostId() != before.hostId()
                && after.hostId() == before.hostId();
    }

    /** The newest record: where oned places the VM now (during a migration: its destination). */
    Optional<HistoryRecord> current() {
        return h.isEmpty() ? Optional.empty() : Optional.of(h.get(h.size() - 1));
    }

    /**
     * Where the VM really was before its current record: the record before it, or, when that one is a
     * failed move, the source record the current one was copied from (the VM stayed there).
     */
    Optional<HistoryRecord> placedBefore() {
        int i = h.size() - 2;
        if (i > 0 && failedMove(i)) {
            i--;
        }
        return i >= 0 ? Optional.of(h.get(i)) : Optional.empty();
    }

    /** The failed move just before the current record: the migration whose undoing opened it. */
    Optional<HistoryRecord> failedMoveBeforeCurrent() {
        int i = h.size() - 2;
        return i > 0 && failedMove(i) ? Optional.of(h.get(i)) : Optional.empty();
    }

    /** The newest migration to {@code hostId}, as far as the history shows one. */
    Optional<Move> lastMoveTo(int hostId) {
        for (int i = h.size() - 1; i > 0; i--) {
            if (h.get(i).hostId() != hostId || h.get(i - 1).hostId() == hostId) {
                continue;
            }
            HistoryRecord from = h.get(i - 1);
            HistoryRecord to = h.get(i);
            Outcome outcome;
            if (failedMove(i)) {
                outcome = Outcome.FAILED;
            } else if (i == h.size() - 1 && to.runningStartTime() == 0 && LCM_MIGRATING.contains(vm.lcmState())) {
                outcome = Outcome.IN_PROGRESS;
            } else {
                outcome = Outcome.DONE;
            }
            return Optional.of(new Move(from, to, kind(from, to), outcome));
        }
        return Optional.empty();
    }

    /** live, save, poweroff, poweroff-hard: from HISTORY/ACTION of either record; empty when neither says. */
    static String kind(HistoryRecord from, HistoryRecord to) {
        for (int action : new int[] {from.action(), to.action()}) {
            switch (action) {
                case ACTION_LIVE_MIGRATE:
                    return "live";
                case ACTION_MIGRATE:
                    return "save";
                case ACTION_POFF_MIGRATE:
                    return "poweroff";
                case ACTION_POFF_HARD_MIGRATE:
                    return "poweroff-hard";
                default:
                    break;
            }
        }
        return "";
    }

    /** LCM states of a cold move after the save: the VM runs nowhere while its folder travels or restores. */
    static final Set<Integer> LCM_IN_TRANSIT = Set.of(8 /* PROLOG_MIGRATE */, 35 /* BOOT_MIGRATE */,
            37 /* BOOT_MIGRATE_FAILURE */, 38 /* PROLOG_MIGRATE_FAILURE */, 43, 44, 45, 46, 60, 61);

    /**
     * The host the VM runs on now: during MIGRATE and SAVE_MIGRATE still the source, though the newest
     * record names the destination; none while a cold move carries it (PROLOG_MIGRATE, BOOT_MIGRATE, …).
     */
    Optional<String> hostNow() {
        if ((vm.lcmState() == LCM_MIGRATE || vm.lcmState() == LCM_SAVE_MIGRATE) && h.size() >= 2) {
            return Optional.of(h.get(h.size() - 2).hostname());
        }
        if (vm.state() == 3 && LCM_IN_TRANSIT.contains(vm.lcmState())) {
            return Optional.empty();
        }
        return current().map(HistoryRecord::hostname);
    }
}
