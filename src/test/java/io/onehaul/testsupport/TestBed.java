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
 * need it call {@link #get()}: when a prerequisite is missing (not root, a front-end tool, the hosts' Debian 13
 * root or a tool in it, a `criu check` that fails) the test is reported as skipped with the reason; CI installs
 * everything, so nothing is skipped there.
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

    /** What the front-end itself runs for the test bed (testbed.sh, hostroot.sh, the specs' own clients). */
    private static final List<String> FRONTEND_TOOLS = List.of("nsenter", "unshare", "ip", "tc", "mkfs.xfs",
            "mkfs.ext4", "gcc", "ssh", "ssh-keygen", "rsync", "busybox", "ping", "debootstrap");
    /** What every host runs, from the hosts' own Debian 13 root (testbed/hostroot.sh), not the front-end's. */
    private static final List<String> HOST_TOOLS = List.of("lxc-start", "lxc-checkpoint", "lxc-attach", "criu", "sshd",
            "rsync", "iptables", "arping", "perl", "mount");

    /**
     * Empty when the bed can come up; else why not. The hosts' LXC and CRIU are not the front-end's: they are
     * looked for (and `criu check` is run) inside the hosts' root, which is built here if it is not cached.
     */
    private static String missingPrerequisite() {
        if (!"0".equals(Proc.sh("id -u", 10).stdout().strip())) {
            return "the test bed needs root (network and mount namespaces, LXC, CRIU)";
        }
        for (String tool : FRONTEND_TOOLS) {
            if (Proc.sh("command -v " + tool + " || test -x /usr/sbin/" + tool, 10).exit() != 0) {
                return tool + " is not installed on the front-end (run testbed/install-deps.sh)";
            }
        }
        String hostroot = Repo.root().resolve("testbed/hostroot.sh").toString();
        // The first time a debootstrap (~2 min); scripts/test.sh has built it before the tests start.
        Proc.Result built = Proc.run(List.of("bash", hostroot, "build"), null, null, null, 1800);
        if (built.exit() != 0) {
            return "the hosts' Debian 13 root cannot be built (testbed/hostroot.sh build): " + lastLine(built.stderr());
        }
        Proc.Result tools = Proc.run(List.of("bash", hostroot, "run", "sh", "-c",
                "for t in " + String.join(" ", HOST_TOOLS) + "; do command -v $t >/dev/null || echo $t; done"), null,
                Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), null, 60);
        if (tools.exit() != 0 || !tools.stdout().isBlank()) {
            return "missing in the hosts' root " + built.stdout().strip() + " (testbed/hostroot.sh): "
                    + (tools.stdout() + tools.stderr()).strip().replace('\n', ' ');
        }
        Proc.Result check = Proc.run(List.of("bash", hostroot, "run", "criu", "check"), null, null, null, 60);
        if (check.exit() != 0) {
            return "`criu check` of the hosts' root fails on this kernel: " + lastLine(check.stderr() + check.stdout());
        }
        return "";
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines.length == 0 ? "" : lines[lines.length - 1];
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
