package io.onehaul.leftover;

import io.onehaul.opennebula.BadInputException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a live migration had to leave on its source host because the host could not be reached after the
 * destination ran: the container's LXC definition and mounts, and the VM folder. {@code recordedAt} is the
 * front-end's clock when the destination already ran: a placement of the VM on that host made later has a
 * newer definition. {@code sharedFolder}: the folder is on a shared datastore, the VM's own on every host:
 * never removed.
 */
public record Leftover(String host, int vmid, String container, String sysdir, boolean sharedFolder, Instant recordedAt,
                       String reason) {

    /** The journal file's text: KEY=value lines (values on one line). */
    public String toText() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("host", host);
        m.put("vmid", Integer.toString(vmid));
        m.put("container", container);
        m.put("sysdir", sysdir);
        m.put("shared_folder", sharedFolder ? "yes" : "no");
        m.put("recorded_at", recordedAt.toString());
        m.put("reason", reason.replaceAll("[\\r\\n]+", " "));
        StringBuilder sb = new StringBuilder("# OneHaul: leftovers of a live migration on a host that could not be reached\n");
        m.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        return sb.toString();
    }

    public static Leftover parse(String text, String what) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (!line.startsWith("#") && eq > 0) {
                m.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        try {
            return new Leftover(need(m, "host", what), Integer.parseInt(need(m, "vmid", what)), need(m, "container", what),
                    need(m, "sysdir", what), !"no".equals(m.getOrDefault("shared_folder", "yes")), Instant.parse(need(m, "recorded_at", what)), m.getOrDefault("reason", ""));
        } catch (RuntimeException e) {
            throw new BadInputException(what + " is not a leftover record: " + e.getMessage(), e);
        }
    }

    private static String need(Map<String, String> m, String key, String what) {
        String v = m.get(key);
        if (v == null || v.isBlank()) {
            throw new BadInputException(what + " has no " + key);
        }
        return v;
    }
}
