package io.onehaul.vmm;

import io.onehaul.config.OneHaulConfig;
import io.onehaul.criu.CriuOptions;
import io.onehaul.migration.MigrationSettings;
import io.onehaul.opennebula.BadInputException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** What the lxc_live actions need from the operator's config, as plain values (testable without files). */
public record DriverSettings(String datastoreLocation, String lxcPath, String lxcInclude, boolean privilegedAllowed,
                             CriuOptions criu, Duration startTimeout, Duration stopTimeout,
                             Duration checkpointTimeout, MigrationSettings migration, java.util.Set<String> rawAllowed,
                             long pidsMax) {

    public static DriverSettings from(OneHaulConfig c) {
        return new DriverSettings(c.datastoreLocation(), c.lxcPath(), c.lxcInclude(), c.privilegedAllowed(),
                new CriuOptions(c.criuEnv(), lines(c.get("criu.dump_config", "")),
                        lines(c.get("criu.restore_config", "mntns-compat-mode"))),
                c.startTimeout(), c.stopTimeout(), c.checkpointTimeout(), migration(c),
                java.util.Set.copyOf(lines(c.get(io.onehaul.lxc.LxcConfigRenderer.RAW_ALLOWED_SETTING, ""))),
                c.containerPidsMax());
    }

    /** The operator's defaults for live migrations (onehaul.conf); hosts, clusters and VMs may narrow them. */
    static MigrationSettings migration(OneHaulConfig c) {
        MigrationSettings d = MigrationSettings.defaults();
        String target = c.get("migration.target_freeze_seconds", "");
        try {
            return new MigrationSettings(
                    MigrationSettings.parseStrategies(c.get("migration.strategies", MigrationSettings.AUTO),
                            "migration.strategies"),
                    target.isEmpty() ? d.targetFreezeSeconds() : Double.parseDouble(target),
                    MigrationSettings.parseYesNo(c.get("migration.cold_fallback", "no"), "migration.cold_fallback"));
        } catch (IllegalArgumentException e) {
            throw new BadInputException("onehaul.conf: " + e.getMessage());
        }
    }

    private static List<String> lines(String commaList) {
        return Arrays.stream(commaList.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    public String sysdir(int datastoreId, int vmid) {
        return datastoreLocation + "/" + datastoreId + "/" + vmid;
    }
}
