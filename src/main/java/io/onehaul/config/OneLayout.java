package io.onehaul.config;

import java.util.List;
import java.util.Map;

/**
 * Where OpenNebula keeps things on the front-end: the system-wide layout of the packages, or the
 * self-contained one that OpenNebula's own {@code install.sh -d DIR} makes, which its tools find through
 * {@code ONE_LOCATION} (reference §0). oned passes its environment, ONE_LOCATION included, to every
 * driver and hook, so the driver can tell which layout it runs in. install.sh applies the same mapping.
 */
public record OneLayout(String oneLocation) {
    /** System-wide prefix → where the same thing lives below ONE_LOCATION (most specific first). */
    private static final List<Map.Entry<String, String>> SELF_CONTAINED = List.of(
            Map.entry("/var/lib/one/datastores", "/var/datastores"),
            Map.entry("/var/lib/one/remotes", "/var/remotes"),
            Map.entry("/var/lib/one", "/var"),
            Map.entry("/var/log/one", "/var"),
            Map.entry("/etc/one", "/etc"),
            Map.entry("/usr/lib/one", "/lib"));

    public static final OneLayout SYSTEM_WIDE = new OneLayout(null);

    /** Self-contained when ONE_LOCATION is set (as OpenNebula's own tools decide). */
    public static OneLayout from(Map<String, String> env) {
        String l = env.get("ONE_LOCATION");
        if (l == null || l.isBlank()) {
            return SYSTEM_WIDE;
        }
        String trimmed = l.strip().replaceAll("/+$", "");
        return trimmed.isEmpty() ? SYSTEM_WIDE : new OneLayout(trimmed);
    }

    public boolean selfContained() {
        return oneLocation != null;
    }

    /** A system-wide path as it is in this layout (unchanged system-wide, or when nothing maps it). */
    public String path(String systemWide) {
        if (!selfContained()) {
            return systemWide;
        }
        for (Map.Entry<String, String> e : SELF_CONTAINED) {
            String from = e.getKey();
            if (systemWide.equals(from) || systemWide.startsWith(from + "/")) {
                return oneLocation + e.getValue() + systemWide.substring(from.length());
            }
        }
        return systemWide;
    }
}
