package io.onehaul.hooks;

import io.onehaul.opennebula.HistoryRecord;
import io.onehaul.opennebula.VmXml;
import java.util.List;
import java.util.Set;

/**
 * How a VM came to be on the host of its newest history record, read from one.vm.info's history: the
 * record before it says what ended the previous placement (HISTORY/ACTION, reference §5.7). The
 * remediation depends on it: a VM that was just moved or placed can be moved back or stopped; one that
 * merely restarted where it already was (resume, reboot) is only reported.
 */
public enum Arrival {
    /** The previous record was closed by a migration (1 migrate, 2 live-migrate, 48/49 poweroff-migrate) to another host. */
    MIGRATION,
    /** The first placement, or a new placement on another host without a migration (after undeploy, stop, resched). */
    DEPLOY,
    /** The same host as before (resume from poweroff or suspend, a datastore-only migration, ...). */
    STAYED;

    /** HISTORY/ACTION values of the migrations: migrate, live-migrate, poweroff-migrate, poweroff-hard-migrate. */
    static final Set<Integer> MIGRATION_ACTIONS = Set.of(1, 2, 48, 49);

    public static Arrival of(VmXml vm) {
        List<HistoryRecord> h = vm.history();
        if (h.size() < 2) {
            return DEPLOY;
        }
        HistoryRecord current = h.get(h.size() - 1);
        HistoryRecord previous = h.get(h.size() - 2);
        if (previous.hostId() == current.hostId()) {
            return STAYED;
        }
        return MIGRATION_ACTIONS.contains(previous.action()) ? MIGRATION : DEPLOY;
    }

    public String label() {
        return name().toLowerCase();
    }
}
