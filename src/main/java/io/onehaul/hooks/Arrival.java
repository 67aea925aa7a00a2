package io.onehaul.hooks;

import io.onehaul.opennebula.HistoryRecord;
import io.onehaul.opennebula.VmXml;
import java.util.Optional;

/**
 * How a VM came to be on the host of its newest history record, read from one.vm.info's history
 * ({@link PlacementHistory}): the placement before it says what ended it (HISTORY/ACTION, reference
 * §5.7). A failed migration is not an arrival: oned re-opens the source's record after it, and the VM
 * never left. The remediation depends on it: a VM that was just moved or placed can be moved back or
 * stopped; one that merely restarted where it already was (resume, reboot, a refused migration) is only
 * reported.
 */
public enum Arrival {
    /** The previous placement was closed by a migration (1 migrate, 2 live-migrate, 48/49 poweroff-migrate) to another host. */
    MIGRATION,
    /** The first placement, or a new placement on another host without a migration (after undeploy, stop, resched). */
    DEPLOY,
    /** The same host as before (resume from poweroff or suspend, a datastore-only migration, a failed migration, ...). */
    STAYED;

    public static Arrival of(VmXml vm) {
        PlacementHistory history = PlacementHistory.of(vm);
        Optional<HistoryRecord> current = history.current();
        Optional<HistoryRecord> previous = history.placedBefore();
        if (current.isEmpty() || previous.isEmpty()) {
            return DEPLOY;
        }
        if (previous.get().hostId() == current.get().hostId()) {
            return STAYED;
        }
        return PlacementHistory.MIGRATION_ACTIONS.contains(previous.get().action()) ? MIGRATION : DEPLOY;
    }

    public String label() {
        return name().toLowerCase();
    }
}
