package io.onehaul.tm;

import io.onehaul.config.OneHaulConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** What the onehaul TM needs from the operator's config, as plain values (testable without files). */
public record TmSettings(String datastoreLocation, String lxcPath, String hostSsh, String remoteRsync,
                         Set<String> frontendNames, FrontendSsh frontendSsh, Duration copyTimeout) {

    /** How the front-end reaches hosts: the same identity, known_hosts, user and port as the Java SSH client. */
    public record FrontendSsh(String user, int port, List<Path> identities, Path knownHosts, Duration connectTimeout) {}

    public static TmSettings from(OneHaulConfig c) {
        return new TmSettings(c.datastoreLocation(), c.lxcPath(), c.transferSsh(), remoteRsync(c),
                frontendNames(c.get("tm.frontend_hostname", "")),
                new FrontendSsh(c.sshUser(), c.sshPort(), c.sshIdentities(), c.sshKnownHosts(), c.sshConnectTimeout()),
                Duration.ofSeconds(c.getInt("timeout.tm_copy_seconds", 3600)));
    }

    /**
     * rsync on the receiving host. Host commands run through host.sudo, so the files they create are
     * root's; an rsync that writes next to them must be privileged too. Unless the operator set
     * transfer.rsync_path, it therefore follows host.sudo.
     */
    static String remoteRsync(OneHaulConfig c) {
        String explicit = c.get("transfer.rsync_path", null);
        if (explicit != null && !explicit.isBlank()) {
            return explicit;
        }
        return c.sudo().isBlank() ? "rsync" : c.sudo() + " rsync";
    }

    /**
     * oned writes its own HOSTNAME (oned.conf, else the system host name) before clone sources on the
     * front-end. Configured names win; otherwise this machine's name, full and short.
     */
    static Set<String> frontendNames(String configured) {
        Set<String> names = new LinkedHashSet<>();
        for (String n : configured.split(",")) {
            if (!n.isBlank()) {
                names.add(n.strip());
            }
        }
        if (names.isEmpty()) {
            String h = systemHostName();
            if (!h.isEmpty()) {
                names.add(h);
                names.add(h.contains(".") ? h.substring(0, h.indexOf('.')) : h);
            }
        }
        return names;
    }

    private static String systemHostName() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            try {
                return java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e2) {
                return "";
            }
        }
    }

    public boolean isFrontend(String host) {
        return frontendNames.contains(host);
    }

    public TmArgs args() {
        return new TmArgs(datastoreLocation, this::isFrontend);
    }
}
