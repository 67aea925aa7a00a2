package io.onehaul.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Plays one_vmm_exec for lxc_live's local actions (reference §1.5, §10.2): the shim in
 * remotes/vmm/lxc_live is started through {@code /bin/sh -c} with the step parameters single-quoted
 * and {@code <vmid> <host>} appended unquoted, cwd = the front-end's var folder, and the document on
 * stdin as strict base64 on one line without a newline.
 */
public final class DriverHarness {
    private final Path work;
    private final Path launcher;
    private final Path config;

    public DriverHarness(Path work, Map<String, String> configValues) {
        this.work = work;
        try {
            Files.createDirectories(work.resolve("log"));
            this.launcher = writeLauncher(work);
            this.config = work.resolve("onehaul.conf");
            StringBuilder sb = new StringBuilder();
            sb.append("log.dir = ").append(work.resolve("log")).append('\n');
            // the driver's front-end state (the journal of leftovers on unreachable hosts) stays in the test's folder
            sb.append("state.dir = ").append(work.resolve("state")).append('\n');
            configValues.forEach((k, v) -> sb.append(k).append(" = ").append(v).append('\n'));
            Files.writeString(config, sb.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The config a harness for the test bed uses: root over SSH with the test bed's keys. */
    public static DriverHarness forTestBed(TestBed tb, Path work) {
        return forTestBed(tb, work, Map.of());
    }

    /** With extra config lines (e.g. the policy's trust anchor). */
    public static DriverHarness forTestBed(TestBed tb, Path work, Map<String, String> extra) {
        Map<String, String> conf = new java.util.LinkedHashMap<>(Map.of(
                "ssh.user", "root",
                "ssh.identity", tb.frontendKey().toString(),
                "ssh.known_hosts", tb.knownHosts().toString(),
                "host.sudo", "",
                "criu.env", tb.value("TB_CRIU_ENV"),
                "timeout.stop_seconds", "5",
                "audit.log", work.resolve("log/audit.jsonl").toString(),
                "policy.trust_anchor", work.resolve("no-pca/pca.crt").toString(),
                "policy.crl", work.resolve("no-pca/pca.crl").toString()));
        conf.putAll(extra);
        return new DriverHarness(work, conf);
    }

    private final Map<String, String> extraEnv = new java.util.HashMap<>();

    /** Environment for every later call, e.g. ONE_XMLRPC and ONE_AUTH of a fake oned. */
    public DriverHarness withEnv(String key, String value) {
        extraEnv.put(key, value);
        return this;
    }

    /** The journal of leftovers on hosts that could not be reached ({@code <state.dir>/leftovers}). */
    public Path leftoverJournal() {
        return work.resolve("state/leftovers");
    }

    public Path logDir() {
        return work.resolve("log");
    }

    /** The launcher running the compiled classes (ONEHAUL_BIN), for harnesses of other drivers. */
    public Path launcher() {
        return launcher;
    }

    /** The config file the launcher reads (ONEHAUL_CONF). */
    public Path config() {
        return config;
    }

    /** Runs a VMM action as one_vmm_exec does for a local action. */
    public Proc.Result vmm(String action, List<String> params, int vmid, String host, String stdinXml) {
        return run("vmm/lxc_live/" + action, params, vmid + " " + host, encode(stdinXml));
    }

    /**
     * A TM step run by one_vmm_exec (pre/post/failmigrate): same local-command frame, argv
     * {@code <src> <dst> <new_sysdir> <vmid> <new_dsid>} (nothing appended), base64 VM XML on stdin.
     */
    public Proc.Result tm(String action, List<String> params, String vmXml) {
        return run("tm/" + OnedMigrationHarness.TM + "/" + action, params, "", encode(vmXml));
    }

    /** A command an operator types on the front-end ({@code onehaul <args…>}), with this driver's config. */
    public Proc.Result operator(List<String> args) {
        List<String> argv = new ArrayList<>(List.of(launcher.toString()));
        argv.addAll(args);
        Map<String, String> env = new java.util.HashMap<>(extraEnv);
        env.put("ONEHAUL_CONF", config.toString());
        return Proc.run(argv, work, env, new byte[0], 600);
    }

    /** Same, with stdin given byte for byte (for malformed-input tests). */
    public Proc.Result vmmRaw(String action, List<String> params, String appended, byte[] stdin) {
        return run("vmm/lxc_live/" + action, params, appended, stdin);
    }

    private Proc.Result run(String script, List<String> params, String appended, byte[] stdin) {
        StringBuilder cmd = new StringBuilder(Repo.root().resolve("remotes").resolve(script).toString());
        for (String p : params) {
            cmd.append(" '").append(p.replace("'", "'\\''")).append("'");
        }
        if (!appended.isEmpty()) {
            cmd.append(' ').append(appended);
        }
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", cmd.toString()));
        Map<String, String> env = new java.util.HashMap<>(extraEnv);
        env.put("ONEHAUL_BIN", launcher.toString());
        env.put("ONEHAUL_CONF", config.toString());
        return Proc.run(argv, work, env, stdin, 600);
    }

    public static byte[] encode(String xml) {
        return Base64.getEncoder().encode(xml.getBytes(StandardCharsets.UTF_8));
    }

    /** A launcher that runs the freshly compiled classes: tests run before the jar is packaged. */
    private static Path writeLauncher(Path work) throws IOException {
        Path target = Repo.root().resolve("target");
        String cp = target.resolve("classes") + ":" + Files.readString(target.resolve("runtime-classpath.txt")).strip();
        Path l = work.resolve("onehaul");
        Files.writeString(l, "#!/bin/sh\nexec java -XX:TieredStopAtLevel=1 -Xshare:auto -cp '" + cp
                + "' io.onehaul.cli.OneHaul \"$@\"\n");
        Files.setPosixFilePermissions(l, PosixFilePermissions.fromString("rwxr-xr-x"));
        return l;
    }
}
