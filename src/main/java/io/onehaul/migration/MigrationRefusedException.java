package io.onehaul.migration;

/** Pre-flight said no: nothing was changed on either host. */
public class MigrationRefusedException extends RuntimeException {
    public MigrationRefusedException(String reason) {
        super(reason);
    }
}
