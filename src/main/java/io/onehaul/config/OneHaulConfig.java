package io.onehaul.config;

import io.onehaul.opennebula.BadInputException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Operator settings from {@code /etc/one/onehaul.conf} ({@code $ONE_LOCATION/etc/onehaul.conf} in a self-contained OpenNebula, or {@code $ONEHAUL_CONF}). Java Properties
 * syntax; every key has a default so that a missing file means "stock OpenNebula layout".
 */
public final class OneHaulConfig {
    public static final String DEFAULT_PATH = "/etc/one/onehaul.conf";

    private final Properties props;
    private final Path home;
    private final OneLayout layout;

    private OneHaulConfig(Properties props, Path home, OneLayout layout) {
        this.props = props;
        this.home = home;
        this.layout = layout;
    }

    public static OneHaulConfig load(Map<String, String> env) {
        Path home = Path.of(env.getOrDefault("HOME", System.getProperty("user.home", "/")));
        String explicit = env.get("ONEHAUL_CONF");
        OneLayout layout = OneLayout.from(env);
        Path file = Path.of(explicit != null && !explicit.isBlank() ? explicit : layout.path(DEFAULT_PATH));
        Properties p = new Properties();
        if (Files.isRegularFile(file)) {
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException | IllegalArgumentException e) {
                throw new BadInputException("cannot read config " + file + ": " + e.getMessage(), e);
            }
        } else if (explicit != null && !explicit.isBlank()) {
            throw new BadInputException("config file " + file + " (ONEHAUL_CONF) does not exist");
        }
        return new OneHaulConfig(p, home, layout);
    }

    public static OneHaulConfig of(Map<String, String> values, Path home) {
        Properties p = new Properties();
        p.putAll(values);
        return new OneHaulConfig(p, home, OneLayout.SYSTEM_WIDE);
    }

    /** The OpenNebula layout the defaults of paths follow (self-contained when ONE_LOCATION is set). */
    public OneLayout layout() {
        return layout;
    }

    /** A path setting whose default follows the OpenNebula layout. */
    private String layoutPath(String key, String systemWideDefault) {
        return get(key, layout.path(systemWideDefault));
    }

    public String get(String key, String dflt) {
        String v = props.getProperty(key);
        return v == null ? dflt : v.trim();
    }

    public int getInt(String key, int dflt) {
        String v = get(key, "");
        if (v.isEmpty()) {
            return dflt;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new BadInputException("config " + key + " is not a whole number: '" + v + "'");
        }
    }

    public boolean getBool(String key, boolean dflt) {
        String v = get(key, "");
        if (v.isEmpty()) {
            return dflt;
        }
        return switch (v.toLowerCase()) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new BadInputException("config " + key + " must be true or false: '" + v + "'");
        };
    }

    private Path expandHome(String p) {
        return p.startsWith("~/") ? home.resolve(p.substring(2)) : Path.of(p);
    }

    public String sshUser() {
        return get("ssh.user", "oneadmin");
    }

    public int sshPort() {
        return getInt("ssh.port", 22);
    }

    public List<Path> sshIdentities() {
        List<Path> out = new ArrayList<>();
        for (String s : get("ssh.identity", "~/.ssh/id_ed25519,~/.ssh/id_rsa").split(",")) {
            if (!s.isBlank()) {
                out.add(expandHome(s.trim()));
            }
        }
        return out;
    }

    public Path sshKnownHosts() {
        return expandHome(get("ssh.known_hosts", "~/.ssh/known_hosts"));
    }

    public Duration sshConnectTimeout() {
        return Duration.ofSeconds(getInt("ssh.connect_timeout_seconds", 10));
    }

    /** Prefix for privileged host commands, e.g. "sudo -n"; empty when the SSH user is root. */
    public String sudo() {
        return get("host.sudo", "sudo -n");
    }

    /** LXC path on hosts; empty means LXC's own default (what OpenNebula's IM probes look at). */
    public String lxcPath() {
        return get("lxc.path", "");
    }

    /**
     * Where the datastores are on every host. Checked here, once: it goes into shell lines and CRIU's config,
     * and every folder the driver removes must lie under it, so only a plain absolute path is taken.
     */
    public String datastoreLocation() {
        String v = layoutPath("datastore.location", "/var/lib/one/datastores");
        if (!v.matches("(/[A-Za-z0-9._+-]+)+") || v.contains("/../") || v.endsWith("/..") || v.contains("/./")) {
            throw new BadInputException("config datastore.location must be a plain absolute path (letters, digits, "
                    + "'._+-' between slashes, no '..'), got '" + v + "'");
        }
        return v;
    }

    /** Extra environment for every CRIU run (e.g. CRIU_FAULT=130 on VMs without hw breakpoints). */
    public Map<String, String> criuEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        for (String pair : get("criu.env", "").split("\\s+")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0 || !pair.substring(0, eq).matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new BadInputException("config criu.env: '" + pair + "' is not KEY=VALUE");
            }
            env.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return env;
    }

    public Duration startTimeout() {
        return Duration.ofSeconds(getInt("timeout.start_seconds", 30));
    }

    public Duration stopTimeout() {
        return Duration.ofSeconds(getInt("timeout.stop_seconds", 60));
    }

    public Duration checkpointTimeout() {
        return Duration.ofSeconds(getInt("timeout.checkpoint_seconds", 300));
    }

    public String logDir() {
        return layoutPath("log.dir", "/var/log/one");
    }

    /**
     * The driver's own state on the front-end (the journal of leftovers on hosts that could not be reached).
     * Default {@code /var/lib/one/onehaul} ({@code $ONE_LOCATION/var/onehaul} when self-contained).
     */
    public Path stateDir() {
        return expandHome(layoutPath("state.dir", "/var/lib/one/onehaul"));
    }

    public String lxcInclude() {
        return get("lxc.include", "/usr/share/lxc/config/common.conf");
    }

    /**
     * The ssh a host uses to reach another host for direct copies (rsync -e). By default the first
     * connection of a migration (pre-flight's link probe) stays open as a master for 60 s and the copies
     * in the freeze reuse it: each new SSH handshake costs ~0.2 s of freeze.
     */
    public String transferSsh() {
        return get("transfer.ssh_command", DEFAULT_TRANSFER_SSH);
    }

    public static final String DEFAULT_TRANSFER_SSH = "ssh -o BatchMode=yes -o ConnectTimeout=10 -o ServerAliveInterval=5 -o ServerAliveCountMax=3"
            + " -o ControlMaster=auto -o ControlPath=~/.ssh/onehaul-%C -o ControlPersist=60";

    /** rsync on the receiving host (rsync --rsync-path), e.g. "sudo -n rsync" for a non-root SSH user. */
    public String transferRemoteRsync() {
        return get("transfer.rsync_path", "rsync");
    }

    /** Compress what crosses between hosts (rsync -z, the changed blocks through gzip). Default off. */
    public boolean transferCompress() {
        return getBool("transfer.compress", false);
    }

    /** Cap on each copy between hosts, in Mbit/s; 0 (the default) for none. */
    public int transferBwlimitMbit() {
        int v = getInt("transfer.bwlimit_mbit", 0);
        if (v < 0) {
            throw new BadInputException("config transfer.bwlimit_mbit must be 0 (no cap) or a number of Mbit/s: " + v);
        }
        return v;
    }

    /**
     * Whether a VM may ask for a privileged container (LXC_UNPRIVILEGED = "no"): its root is then root on the
     * host, so it is the operator's decision, off unless set. The key of releases before unprivileged
     * containers migrated, {@code container.privileged}, is read as this one when this one is not set.
     */
    public boolean privilegedAllowed() {
        String now = get("container.allow_privileged", "");
        return now.isEmpty() ? getBool("container.privileged", false) : getBool("container.allow_privileged", false);
    }

    /** The default of {@code container.pids_max}: room for a busy service, far below a host's pid space. */
    public static final long DEFAULT_PIDS_MAX = 4096;

    /**
     * The most tasks (processes and threads) one container may have at once; 0 for no limit. A container
     * that forks without end then fails its own forks instead of taking the pids every other one needs.
     */
    public long containerPidsMax() {
        long v = getInt("container.pids_max", (int) DEFAULT_PIDS_MAX);
        if (v < 0) {
            throw new BadInputException("config container.pids_max must be 0 (no limit) or a number of tasks: " + v);
        }
        return v;
    }

    // --- data-protection policy (README "Data-protection policy") ---

    /** The PCA certificate the front-end trusts (PEM or DER). */
    public Path policyTrustAnchor() {
        return expandHome(layoutPath("policy.trust_anchor", "/etc/one/onehaul/pca/pca.crt"));
    }

    /** The PCA's latest revocation list; required: without it regulated VMs are refused. */
    public Path policyCrl() {
        return expandHome(layoutPath("policy.crl", "/etc/one/onehaul/pca/pca.crl"));
    }

    /** Tolerance on every validity period, for clocks out of step between PCA and front-end. */
    public Duration policyClockSkew() {
        int s = getInt("policy.clock_skew_seconds", 300);
        if (s < 0) {
            throw new BadInputException("config policy.clock_skew_seconds must not be negative: " + s);
        }
        return Duration.ofSeconds(s);
    }

    /** True: a VM without REGULATION is refused; false: it may run anywhere. */
    public boolean policyMandatory() {
        return getBool("policy.mandatory", false);
    }

    /** The hash-chained audit log (its head is {@code <file>.head}). */
    public Path auditLog() {
        return expandHome(layoutPath("audit.log", "/var/log/one/onehaul-audit.jsonl"));
    }
}
