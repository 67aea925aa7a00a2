package io.onehaul.vmm;

import io.onehaul.migration.MigrationSettings;
import io.onehaul.opennebula.BadInputException;
import io.onehaul.opennebula.VmXml;
import java.util.List;
import java.util.Map;

/**
 * The settings of one migration: onehaul.conf's defaults, then the destination host's and its cluster's
 * template attributes (when oned could be read), then the VM's USER_TEMPLATE; the most specific source
 * that sets a value wins. Attribute names (documented in the README):
 * {@value #STRATEGIES}, {@value #TARGET_FREEZE}, {@value #COLD_FALLBACK}.
 */
public final class MigrationSettingsResolver {
    public static final String STRATEGIES = "ONEHAUL_MIGRATION_STRATEGIES";
    public static final String TARGET_FREEZE = "ONEHAUL_MIGRATION_TARGET_FREEZE";
    public static final String COLD_FALLBACK = "ONEHAUL_COLD_FALLBACK";

    private MigrationSettingsResolver() {}

    /**
     * @param layers attribute maps from the least to the most specific (cluster, host); the VM comes last
     */
    public static MigrationSettings resolve(MigrationSettings conf, List<Map<String, String>> layers, VmXml vm) {
        MigrationSettings s = conf;
        for (Map<String, String> layer : layers) {
            s = apply(s, layer::get, "host/cluster template");
        }
        return apply(s, vm::userAttribute, "VM " + vm.id() + " USER_TEMPLATE");
    }

    private interface Attributes {
        String get(String name);
    }

    private static MigrationSettings apply(MigrationSettings s, Attributes a, String where) {
        try {
            String strategies = blankToNull(a.get(STRATEGIES));
            String target = blankToNull(a.get(TARGET_FREEZE));
            String cold = blankToNull(a.get(COLD_FALLBACK));
            return s.with(strategies == null ? null : MigrationSettings.parseStrategies(strategies, where + " " + STRATEGIES),
                    target == null ? null : parseSeconds(target, where + " " + TARGET_FREEZE),
                    cold == null ? null : MigrationSettings.parseYesNo(cold, where + " " + COLD_FALLBACK));
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage());
        }
    }

    private static Double parseSeconds(String v, String where) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": expected seconds, got '" + v + "'");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
