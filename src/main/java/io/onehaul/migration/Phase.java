package io.onehaul.migration;

/** The named steps of a migration, in order; the freeze is DUMP through CONFIRM. */
public enum Phase {
    PREFLIGHT, PRESYNC, DUMP, FINAL_SYNC, RESTORE, CONFIRM, COMMIT, ROLLBACK;

    public boolean inFreeze() {
        return this == DUMP || this == FINAL_SYNC || this == RESTORE || this == CONFIRM;
    }
}
