package io.onehaul.hooks;

import io.onehaul.oned.OnedClient;

/**
 * What placement-check will do about one violation, decided before anything is done so that the audit
 * record says it first. {@code note} explains a fallback to notify (e.g. nowhere compliant to go back to).
 */
record RemediationPlan(Remediation action, int backToHostId, String backToHost, boolean live, String note) {

    static RemediationPlan notify(String note) {
        return new RemediationPlan(Remediation.NOTIFY, -1, "", false, note);
    }

    static RemediationPlan poweroff() {
        return new RemediationPlan(Remediation.POWEROFF, -1, "", false, null);
    }

    static RemediationPlan migrateBack(int hostId, String host, boolean live) {
        return new RemediationPlan(Remediation.MIGRATE_BACK, hostId, host, live, null);
    }

    String describe() {
        return switch (action) {
            case NOTIFY -> note == null ? "notify" : "notify (" + note + ")";
            case MIGRATE_BACK -> "migrate-back to " + backToHost + " (id " + backToHostId + ")" + (live ? ", live" : "");
            case POWEROFF -> "poweroff";
        };
    }

    /** The oned call beyond the note on the VM; nothing for notify. */
    void execute(OnedClient oned, int vmId) {
        switch (action) {
            // enforce false and datastore -1 (keep): what `onevm migrate` sends; the VM goes back where it was
            case MIGRATE_BACK -> oned.vmMigrate(vmId, backToHostId, live, false, -1, 0);
            case POWEROFF -> oned.vmAction("poweroff", vmId);
            case NOTIFY -> { }
        }
    }
}
