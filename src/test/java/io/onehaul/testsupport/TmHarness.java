package io.onehaul.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Plays oned's two ways of running the onehaul TM shims in remotes/tm/onehaul (reference §4.1, §10.2):
 * <ul>
 *   <li>a transfer-file line, as one_tm does: the shim exec'd with an argv array (no shell, nothing
 *       quoted), empty stdin, cwd = the front-end's var folder;</li>
 *   <li>a TM step of a VMM action (pre/post/failmigrate), as one_vmm_exec does: {@code /bin/sh -c}
 *       with the arguments unquoted and the {@code <VM>} as strict base64 on stdin.</li>
 * </ul>
 * The launcher and config are those of {@link DriverHarness}, so both drivers run the compiled classes.
 */
public final class TmHarness {
    private final DriverHarness driver;
    private final Path var;
    private final Map<String, String> env = new HashMap<>();

    public TmHarness(DriverHarness driver, Path var) {
        this.driver = driver;
        this.var = var;
        try {
            Files.createDirectories(var);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        env.put("ONEHAUL_BIN", driver.launcher().toString());
        env.put("ONEHAUL_CONF", driver.config().toString());
    }

    public static TmHarness forTestBed(TestBed tb, Path work) {
        return new TmHarness(DriverHarness.forTestBed(tb, work.resolve("driver")), work.resolve("var"));
    }

    public DriverHarness driver() {
        return driver;
    }

    /** Extra environment for every later call (e.g. ONE_XMLRPC and ONE_AUTH of a fake oned). */
    public TmHarness withEnv(String key, String value) {
        env.put(key, value);
        return this;
    }

    public static Path shim(String action) {
        return Repo.root().resolve("remotes/tm/onehaul").resolve(action);
    }

    /** A transfer-file line ({@code MV onehaul a b c d}) as one_tm runs it. */
    public Proc.Result line(String action, String... argv) {
        List<String> cmd = new ArrayList<>(List.of(shim(action).toString()));
        cmd.addAll(List.of(argv));
        return Proc.run(cmd, var, env, new byte[0], 900);
    }

    /** A TM step inside a VMM action, as one_vmm_exec runs it: unquoted words through sh, base64 VM on stdin. */
    public Proc.Result step(String action, List<String> argv, String vmXml) {
        String line = shim(action) + " " + String.join(" ", argv);
        return Proc.run(List.of("/bin/sh", "-c", line), var, env, DriverHarness.encode(vmXml), 900);
    }
}
