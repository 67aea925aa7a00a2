package io.onehaul.migration;

/** The named steps of a migration, in order; the freeze is DUMP through RESTORE. */
public enum Phase {
    PREFLIGHT, PRESYNC, PAGE_SERVER, PRE_DUMP, LAZY_SETUP, DUMP, FINAL_SYNC, RESTORE, CONFIRM, LAZY_PAGES, COMMIT, ROLLBACK,
    /** Cold fallback: stop on the source, copy, boot on the destination. */
    COLD_MOVE;

    public boolean inFreeze() {
        return this == DUMP || this == FINAL_SYNC || this == RESTORE || this == CONFIRM;
    }
}
