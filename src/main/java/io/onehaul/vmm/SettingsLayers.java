package io.onehaul.vmm;

import io.onehaul.config.OneHaulConfig;
import io.onehaul.oned.OnedClient;
import io.onehaul.oned.OnedEndpoint;
import io.onehaul.oned.OnedException;
import io.onehaul.opennebula.HostXml;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Port: the migration settings an operator put on the destination host's template and on its cluster's
 * ({@value MigrationSettingsResolver#STRATEGIES}, …), least specific first. oned holds them; when oned
 * cannot be read, onehaul.conf and the VM's own settings apply, and the VM log says so.
 */
public interface SettingsLayers {
    List<Map<String, String>> forDestination(String hostName);

    SettingsLayers NONE = host -> List.of();

    /** From oned (one.hostpool.info, one.cluster.info), found as the guard finds it. */
    static SettingsLayers fromOned(OneHaulConfig config, Map<String, String> env) {
        Logger log = LoggerFactory.getLogger(SettingsLayers.class);
        return host -> {
            try {
                String home = env.getOrDefault("HOME", System.getProperty("user.home", "/"));
                OnedClient oned = new OnedClient(OnedEndpoint.discover(null, null, env, Path.of(home)));
                HostXml h = oned.hostByName(host);
                Map<String, String> cluster = h.clusterId() >= 0 ? oned.clusterTemplate(h.clusterId()) : Map.of();
                return List.of(only(cluster), only(h.templateAttributes()));
            } catch (OnedException e) {
                log.warn("migration settings of host {} and its cluster not read ({}): onehaul.conf and the VM's apply",
                        host, e.getMessage());
                return List.of();
            }
        };
    }

    private static Map<String, String> only(Map<String, String> template) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : List.of(MigrationSettingsResolver.STRATEGIES, MigrationSettingsResolver.TARGET_FREEZE,
                MigrationSettingsResolver.COLD_FALLBACK, io.onehaul.transfer.PathChoice.SETTING)) {
            if (template.containsKey(k)) {
                m.put(k, template.get(k));
            }
        }
        return m;
    }
}
