package io.onehaul.testsupport;

import static org.junit.jupiter.api.Assumptions.abort;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The namespaced multi-host test bed (testbed/testbed.sh), brought up once per test JVM. Tests that
 * need it call {@link #get()}: when a prerequisite is missing (not root, no CRIU, no LXC) the test is
 * reported as skipped with the reason; CI installs everything, so nothing is skipped there.
 */
public final class TestBed {
    /** Provider B's host, behind the WAN link: it and provider A's hosts cannot reach each other. */
    public static final String REMOTE = "h3";
    private static TestBed instance;
    private static String unavailable;

    private final Map<String, String> env;
    private final Path script;

    private TestBed(Map<String, String> env, Path script) {
        this.env = env;
        this.script = script;
    }

    public static synchronized TestBed get() {
        if (instance != null) {
            return instance;
        }
        if (unavailable == null) {
            unavailable = missingPrerequisite();
        }
        if (!unavailable.isEmpty()) {
            abort("skipped: " + unavailable);
        }
        Path script = Repo.root().resolve("testbed/testbed.sh");
        // Two providers: h1 and h2 (A) reach each other; h3 (B) only the front-end, over the WAN link.
        Proc.run(List.of("bash", script.toString(), "up", "3", "--provider-b", REMOTE), null, null, null, 300)
                .requireOk("testbed up");
        instance = new TestBed(readEnv(stateDir().resolve("env")), script);
        return instance;
    }

    /**
     * A bed made by another script with the same env format and commands (testbed/guest.sh: hosts inside a
     * QEMU guest): its {@code exec} and {@code image-*} go through {@code script}.
     */
    static TestBed of(Path envFile, Path script) {
        return new TestBed(readEnv(envFile), script);
    }

    static Path stateDir() {
        String s = System.getenv("ONEHAUL_TESTBED_DIR");
        return Path.of(s != null && !s.isBlank() ? s : "/var/lib/onehaul-testbed");
    }

    private static String missingPrerequisite() {
        if (!"0".equals(Proc.sh("id -u", 10).stdout().strip())) {
            return "the test bed needs root (network and mount namespaces, LXC, CRIU)";
        }
        for (String tool : List.of("lxc-start", "lxc-checkpoint", "criu", "sshd", "rsync", "nsenter", "ip", "mkfs.xfs",
                "iptables", "gcc")) {
            if (Proc.sh("command -v " + tool + " || test -x /usr/sbin/" + tool, 10).exit() != 0) {
                return tool + " is not installed (run testbed/install-deps.sh)";
            }
        }
        if (Proc.sh("criu check", 60).exit() != 0) {
            return "`criu check` fails on this kernel (install CRIU 4.x: testbed/install-deps.sh)";
        }
        return "";
    }

    private static Map<String, String> readEnv(Path file) {
        try {
            Map<String, String> m = new LinkedHashMap<>();
            for (String line : Files.readAllLines(file)) {
                int eq = line.indexOf('=');
                if (eq > 0 && !line.startsWith("#")) {
                    m.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String value(String key) {
        String v = env.get(key);
        if (v == null) {
            throw new IllegalStateException("test bed env has no " + key);
        }
        return v;
    }

    public List<String> hosts() {
        return List.of(value("TB_HOSTS").split(" "));
    }

    public String ip(String host) {
        return value("TB_" + host + "_IP");
    }

    public Path frontendKey() {
        return Path.of(value("TB_FRONTEND_KEY"));
    }

    public Path knownHosts() {
        return Path.of(value("TB_KNOWN_HOSTS"));
    }

    public String nicBridge() {
        return value("TB_NIC_BRIDGE");
    }

    /** Runs a shell line "on" a host (its network and mount namespaces), without SSH. */
    public Proc.Result exec(String host, String shellLine) {
        return Proc.run(List.of("bash", script.toString(), "exec", host, "--", "/bin/sh", "-c", shellLine), null, null,
                null, 120);
    }

    public Proc.Result execOk(String host, String shellLine) {
        return exec(host, shellLine).requireOk("on " + host + ": " + shellLine);
    }

    /** Builds the counter container's rootfs, as a folder or an ext4 image, at {@code target} (root fs). */
    public void buildImage(boolean ext4, Path target) {
        Proc.run(List.of("bash", script.toString(), ext4 ? "image-ext4" : "image-dir", target.toString()), null, null,
                null, 120).requireOk("building the test image");
    }
}
