package io.onehaul.migration;

/** The named steps of a migration, in order; the freeze is DUMP through RESTORE. */
public enum Phase {
    PREFLIGHT, PRESYNC, PAGE_SERVER, PRE_DUMP, LAZY_SETUP, DUMP, FINAL_SYNC, RESTORE, CONFIRM, LAZY_PAGES, COMMIT, ROLLBACK,
    /** Cold fallback: stop on the source, copy, boot on the destination. */
    COLD_MOVE;

    public boolean inFreeze() {
        return this == DUMP || this == FINAL_SYNC || this == RESTORE || this == CONFIRM;
    }

    /**
     * The name an operator watching the migration sees (ONEHAUL_MIGRATION_PHASE): the steps inside the
     * freeze up to the copy are one "freeze", the restore and its confirmation one "restore".
     */
    public String label() {
        return switch (this) {
            case PREFLIGHT -> "preflight";
            case PRESYNC -> "pre-sync";
            case PAGE_SERVER -> "page server";
            case PRE_DUMP -> "pre-dump";
            case LAZY_SETUP -> "post-copy setup";
            case DUMP, FINAL_SYNC -> "freeze";
            case RESTORE, CONFIRM -> "restore";
            case LAZY_PAGES -> "post-copy";
            case COMMIT -> "commit";
            case ROLLBACK -> "rollback";
            case COLD_MOVE -> "cold move";
        };
    }
}
