package io.onehaul.vmm;

import io.onehaul.config.OneHaulConfig;
import io.onehaul.criu.CriuOptions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** What the lxc_live actions need from the operator's config, as plain values (testable without files). */
public record DriverSettings(String datastoreLocation, String lxcPath, String lxcInclude, boolean privileged,
                             CriuOptions criu, Duration startTimeout, Duration stopTimeout,
                             Duration checkpointTimeout) {

    public static DriverSettings from(OneHaulConfig c) {
        return new DriverSettings(c.datastoreLocation(), c.lxcPath(), c.lxcInclude(), c.privilegedContainers(),
                new CriuOptions(c.criuEnv(), lines(c.get("criu.dump_config", "")),
                        lines(c.get("criu.restore_config", "mntns-compat-mode"))),
                c.startTimeout(), c.stopTimeout(), c.checkpointTimeout());
    }

    private static List<String> lines(String commaList) {
        return Arrays.stream(commaList.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    public String sysdir(int datastoreId, int vmid) {
        return datastoreLocation + "/" + datastoreId + "/" + vmid;
    }
}
