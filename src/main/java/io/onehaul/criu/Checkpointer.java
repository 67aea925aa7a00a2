package io.onehaul.criu;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostException;
import io.onehaul.host.HostShell;
import io.onehaul.host.Shell;
import io.onehaul.lxc.LxcHost;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CRIU checkpoint and restore of an LXC container through {@code lxc-checkpoint}, on one host.
 * A finished dump is marked with {@value #COMPLETE_MARK} so that a retried save can tell a whole
 * image set from one a crash left half-written.
 */
public final class Checkpointer {
    public static final String COMPLETE_MARK = "onehaul.complete";
    private static final Duration QUICK = Duration.ofSeconds(30);

    private final LxcHost lxc;
    private final CriuOptions options;
    private final Duration timeout;

    public Checkpointer(LxcHost lxc, CriuOptions options, Duration timeout) {
        this.lxc = lxc;
        this.options = options;
        this.timeout = timeout;
    }

    /** Dumps the container into {@code dir} (emptied first) and stops it. Returns the dump's wall time. */
    public Duration dumpAndStop(String name, String dir) {
        HostShell sh = lxc.shell();
        String d = Shell.quote(dir);
        sh.check("preparing checkpoint folder " + dir, "rm -rf " + d + " && mkdir -p " + d, QUICK);
        Map<String, String> env = new LinkedHashMap<>(options.env());
        if (!options.dumpConfig().isEmpty()) {
            String conf = dir + "/onehaul-dump.conf";
            sh.writeFile(conf, configText(options.dumpConfig()), QUICK);
            env.put("CRIU_CONFIG_FILE", conf);
        }
        CommandResult r = sh.run(Shell.envPrefix(env) + "lxc-checkpoint -P " + Shell.quote(lxc.lxcPath()) + " -n "
                + Shell.quote(name) + " -s -D " + d, timeout);
        if (!r.ok()) {
            throw new HostException(lxc.host(), "CRIU dump of " + name + " failed: " + r.reason() + criuError(dir, "dump.log"));
        }
        sh.check("marking the checkpoint complete", "touch " + Shell.quote(dir + "/" + COMPLETE_MARK), QUICK);
        return r.elapsed();
    }

    public boolean isComplete(String dir) {
        return lxc.shell().run("test -f " + Shell.quote(dir + "/" + COMPLETE_MARK) + " && test -f "
                + Shell.quote(dir + "/inventory.img"), QUICK).ok();
    }

    /** Restores the container from {@code dir}; the container must be defined on this host. */
    public Duration restore(String name, String dir) {
        String conf = restoreConfigPath(name);
        writeRestoreConfig(conf);
        CommandResult r = lxc.shell().run(restoreCommand(name, dir, conf), timeout);
        if (!r.ok()) {
            throw restoreFailed(name, dir, r);
        }
        return r.elapsed();
    }

    /** Where the restore-only CRIU options go: beside the container's LXC config, never in the images. */
    public String restoreConfigPath(String name) {
        return lxc.containerDir(name) + "/onehaul-criu-restore.conf";
    }

    public void writeRestoreConfig(String path) {
        lxc.shell().writeFile(path, configText(options.restoreConfig()), QUICK);
    }

    /** The restore as one shell line (so a migration can batch it with the mounts in the freeze). */
    public String restoreCommand(String name, String dir, String confPath) {
        Map<String, String> env = new LinkedHashMap<>(options.env());
        if (!options.restoreConfig().isEmpty()) {
            env.put("CRIU_CONFIG_FILE", confPath);
        }
        return lxc.detachedCommand(Shell.envPrefix(env) + "lxc-checkpoint -P " + Shell.quote(lxc.lxcPath())
                + " -n " + Shell.quote(name) + " -r -D " + Shell.quote(dir), "/tmp/onehaul-restore-" + name + ".out");
    }

    public HostException restoreFailed(String name, String dir, CommandResult r) {
        return new HostException(lxc.host(), "CRIU restore of " + name + " failed: " + r.reason() + criuError(dir, "restore.log"));
    }

    private static byte[] configText(List<String> lines) {
        return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** The fatal line of CRIU's log (not the first error line: {@link CriuLog}). */
    private String criuError(String dir, String log) {
        return CriuLog.reason(lxc.shell(), dir + "/" + log);
    }
}
