package io.onehaul.hooks;

import io.onehaul.config.OneHaulConfig;
import io.onehaul.opennebula.BadInputException;
import java.util.Locale;

/**
 * {@code policy.remediation}: what placement-check does when a VM turns up on a host the policy refuses.
 * Hooks cannot stop a placement (reference §5.3), they can only react after it. Default: notify, the
 * only choice that never changes a running workload on its own.
 */
public enum Remediation {
    /** Audit, a stderr line in the hook log, and USER_TEMPLATE/ONEHAUL_POLICY_VIOLATION on the VM. */
    NOTIFY("notify"),
    /** Notify, then one.vm.migrate back to the previous host if that host is compliant (else only notify). */
    MIGRATE_BACK("migrate-back"),
    /** Notify, then one.vm.action poweroff. */
    POWEROFF("poweroff");

    public static final String KEY = "policy.remediation";

    private final String setting;

    Remediation(String setting) {
        this.setting = setting;
    }

    public String setting() {
        return setting;
    }

    public static Remediation from(OneHaulConfig config) {
        String v = config.get(KEY, NOTIFY.setting).toLowerCase(Locale.ROOT);
        for (Remediation r : values()) {
            if (r.setting.equals(v)) {
                return r;
            }
        }
        throw new BadInputException("config " + KEY + " must be notify, migrate-back or poweroff: '" + v + "'");
    }
}
