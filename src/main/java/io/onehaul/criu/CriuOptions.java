package io.onehaul.criu;

import java.util.List;
import java.util.Map;

/**
 * How CRIU runs on the hosts: extra environment for every run (e.g. CRIU_FAULT=130 where hardware
 * breakpoints do not fire) and option lines for a CRIU config file passed via CRIU_CONFIG_FILE, which
 * lxc-checkpoint hands down to CRIU. Restore-only options (mntns-compat-mode) must never be in the
 * dump config: there they make every dump fail (docs/criu-lxc-notes.md).
 */
public record CriuOptions(Map<String, String> env, List<String> dumpConfig, List<String> restoreConfig) {
    public CriuOptions {
        env = Map.copyOf(env);
        dumpConfig = List.copyOf(dumpConfig);
        restoreConfig = List.copyOf(restoreConfig);
        for (String line : dumpConfig) {
            checkLine(line);
        }
        for (String line : restoreConfig) {
            checkLine(line);
        }
    }

    private static void checkLine(String line) {
        if (!line.matches("[A-Za-z0-9_./ =:,-]+")) {
            throw new IllegalArgumentException("CRIU config line '" + line + "' has unexpected characters");
        }
    }
}
