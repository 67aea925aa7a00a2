package io.onehaul.criu;

import static io.onehaul.host.HostShell.QUICK;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostException;
import io.onehaul.host.HostScript;
import io.onehaul.host.HostShell;
import io.onehaul.host.Scratch;
import io.onehaul.host.Shell;
import io.onehaul.lxc.IdMap;
import io.onehaul.lxc.LxcHost;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CRIU checkpoint and restore of an LXC container through {@code lxc-checkpoint}, on one host.
 * A save's dump becomes the checkpoint only once whole ({@link CheckpointFolder}: written aside, a manifest
 * of every file's size last, renamed into place), so a retried save or a restore can tell a whole image set
 * from one a crash left half-written.
 */
public final class Checkpointer {

    private final LxcHost lxc;
    private final CriuOptions options;
    private final Duration timeout;

    public Checkpointer(LxcHost lxc, CriuOptions options, Duration timeout) {
        this.lxc = lxc;
        this.options = options;
        this.timeout = timeout;
    }

    /**
     * Dumps the container into the checkpoint {@code dir} and stops it. The dump runs detached on the host and
     * only a finished one is renamed to {@code dir} ({@link CheckpointFolder}); a driver killed or cut off here
     * leaves either the container running and no checkpoint, or a complete checkpoint and the container
     * stopped, never a checkpoint that looks whole and is not. Returns the dump's wall time.
     */
    public Duration dumpAndStop(String name, String dir) {
        HostShell sh = lxc.shell();
        CheckpointFolder cp = new CheckpointFolder(dir);
        sh.check("preparing checkpoint folder " + dir, cp.clearCommand(), QUICK);
        Map<String, String> env = new LinkedHashMap<>(options.env());
        if (!options.dumpConfig().isEmpty()) {
            String conf = cp.saving() + "/onehaul-dump.conf";
            sh.writeFile(conf, configText(options.dumpConfig()), QUICK);
            env.put("CRIU_CONFIG_FILE", conf);
        }
        String dump = Shell.envPrefix(env) + dumpCommand(lxc.lxcPath(), name, cp.partial());
        long start = System.nanoTime();
        sh.check("starting the CRIU dump of " + name, cp.startDetachedCommand(dump), QUICK);
        String rc = awaitSave(cp, timeout);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        if (!rc.equals("0")) {
            String why = criuError(cp.partial(), "dump.log");
            String out = sh.run("tail -n 3 " + Shell.quote(cp.saving() + "/out") + " 2>/dev/null", QUICK).stdout().strip();
            sh.run(cp.forgetCommand(), QUICK);
            throw new HostException(lxc.host(), "CRIU dump of " + name + " failed: exit " + rc
                    + (why.isEmpty() ? out.isEmpty() ? "" : ": " + out.replace('\n', ' ') : why));
        }
        sh.run(cp.forgetCommand(), QUICK);
        return took;
    }

    /**
     * A save of {@code dir} that is still running on the host (its driver was killed or lost the host) is
     * waited for, so that nothing acts on a half-written dump. Returns its exit status ("0" done), "none" when
     * there was none, "gone" when its process died without one (the host went down under it).
     */
    public String awaitPendingSave(String dir) {
        CheckpointFolder cp = new CheckpointFolder(dir);
        String rc = awaitSave(cp, timeout);
        if (!rc.equals("none")) {
            lxc.shell().run(cp.forgetCommand(), QUICK);
        }
        return rc;
    }

    private String awaitSave(CheckpointFolder cp, Duration limit) {
        CommandResult r = lxc.shell().run(cp.awaitCommand(), limit);
        if (!r.ok()) {
            throw new HostException(lxc.host(), "waiting for the CRIU dump into " + cp.path() + " failed: " + r.reason());
        }
        return r.stdout().strip();
    }

    public boolean isComplete(String dir) {
        return incompleteReason(dir).isEmpty();
    }

    /** Empty when {@code dir} is a complete checkpoint (manifest and every file's size), else why it is not. */
    public java.util.Optional<String> incompleteReason(String dir) {
        CommandResult r = lxc.shell().run(new CheckpointFolder(dir).verifyCommand(), QUICK);
        if (r.ok()) {
            return java.util.Optional.empty();
        }
        if (r.exitCode() == CheckpointFolder.INCOMPLETE) {
            return java.util.Optional.of(r.stdout().strip());
        }
        throw new HostException(lxc.host(), "checking the checkpoint in " + dir + " failed: " + r.reason());
    }

    /**
     * The id map the checkpointed container ran with: CRIU writes a user namespace image only for a container
     * that had one (ours: the stock map). A checkpoint without one was made of a privileged container, as every
     * checkpoint of a OneHaul from before unprivileged containers was.
     */
    public IdMap imagesIdMap(String dir) {
        CommandResult r = lxc.shell().run("ls -1 -- " + Shell.quote(dir) + " | grep -c '^userns-.*\\.img$'", QUICK);
        String n = r.stdout().strip();
        if (!n.matches("[0-9]+")) {
            throw new HostException(lxc.host(), "reading the images in " + dir + " failed: " + r.reason());
        }
        return n.equals("0") ? IdMap.PRIVILEGED : IdMap.UNPRIVILEGED;
    }

    /**
     * A CRIU that died while dumping (killed, or its host cut off) can leave the container frozen and its
     * network locked (the iptables chain CRIU, docs/criu-lxc-notes.md), and a lazy dump leaves its tasks stopped:
     * thaw it, clear the lock and continue them, so it runs as before.
     */
    public void recoverFromFailedDump(String name) {
        HostShell sh = lxc.shell();
        String n = Shell.quote(name);
        String p = "-P " + Shell.quote(lxc.lxcPath());
        sh.run("[ \"$(lxc-info " + p + " -n " + n + " -s -H 2>/dev/null)\" = FROZEN ] && lxc-unfreeze " + p + " -n " + n
                + "; pid=$(lxc-info " + p + " -n " + n + " -p -H 2>/dev/null); case \"$pid\" in ''|*[!0-9]*) exit 0;; esac; "
                + "ns=\"nsenter -t $pid -n\"; for t in iptables ip6tables; do $ns $t -L CRIU >/dev/null 2>&1 || continue; "
                + "$ns $t -D INPUT -j CRIU; $ns $t -D OUTPUT -j CRIU; $ns $t -F CRIU; $ns $t -X CRIU; done 2>/dev/null; "
                // a lazy dump leaves its tasks stopped (leave-stopped): every stopped task in the container's
                // pid namespace goes on
                + "pgrep --ns \"$pid\" --nslist pid -r T | xargs -r kill -CONT 2>/dev/null; true",
                QUICK);
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
    /**
     * The dump of a container into {@code dir}, after which it stops: lxc-checkpoint's, by a host program
     * that also dumps a container lxc-checkpoint restored on a cgroup2 host (which LXC itself cannot).
     */
    static String dumpCommand(String lxcPath, String name, String dir) {
        return HostScript.sh(Checkpointer.class, "dump.sh") + " " + Shell.quote(lxcPath) + " " + Shell.quote(name) + " "
                + Shell.quote(dir);
    }

    public String restoreCommand(String name, String dir, String confPath) {
        return restoreCommand(name, dir, confPath, List.of());
    }

    /** @param parents image folders the restore also reads (pre-dump rounds the final images name as parent) */
    public String restoreCommand(String name, String dir, String confPath, List<String> parents) {
        Map<String, String> env = new LinkedHashMap<>(options.env());
        // the options as written, plus, for an id-mapped container, the veths made for CRIU to move in
        String withVeths = confPath + ".veths";
        env.put("CRIU_CONFIG_FILE", withVeths);
        List<String> read = new java.util.ArrayList<>(List.of(dir));
        read.addAll(parents);
        String config = lxc.containerDir(name) + "/config";
        return grantCommand(config, read) + " && " + HostScript.sh(Checkpointer.class, "veths.sh") + " "
                + Shell.quote(config) + " " + Shell.quote(confPath) + " " + Shell.quote(withVeths) + " && "
                + lxc.detachedCommand(Shell.envPrefix(env) + "lxc-checkpoint -P " + Shell.quote(lxc.lxcPath())
                + " -n " + Shell.quote(name) + " -r -D " + Shell.quote(dir), Scratch.file(name, "restore.out"));
    }

    /**
     * CRIU restores an id-mapped container from inside its user namespace, where root is the map's first id:
     * the images must be that id's (measured: "Unable to open tty-info.img: Permission denied" otherwise). They
     * hold the container's own memory, and only root can reach the folder they are in.
     */
    static String grantCommand(String config, List<String> dirs) {
        String c = Shell.quote(config);
        return "{ u=$(sed -n 's/^lxc\\.idmap *= *u 0 \\([0-9][0-9]*\\) .*/\\1/p' " + c + "); "
                + "g=$(sed -n 's/^lxc\\.idmap *= *g 0 \\([0-9][0-9]*\\) .*/\\1/p' " + c + "); "
                + "[ -z \"$u$g\" ] || chown -R -- \"${u:-0}:${g:-0}\" "
                + dirs.stream().map(Shell::quote).collect(java.util.stream.Collectors.joining(" ")) + "; }";
    }

    public HostException restoreFailed(String name, String dir, CommandResult r) {
        String why = criuError(dir, "restore.log");
        return new HostException(lxc.host(), "CRIU restore of " + name + " failed: " + r.reason() + why
                + deniedImage(dir, why));
    }

    private static final java.util.regex.Pattern DENIED = java.util.regex.Pattern.compile(
            "Unable to open ([A-Za-z0-9._-]+): Permission denied");

    /**
     * For "Unable to open X: Permission denied": who owns X and its folder, and their modes. An unprivileged
     * restore reads its images as the container's root, so an image that is not its root's says which step
     * wrote it after the images were given to it.
     */
    private String deniedImage(String dir, String why) {
        var m = DENIED.matcher(why);
        if (!m.find()) {
            return "";
        }
        CommandResult r = lxc.shell().run("stat -c '%n %u:%g %a %y' -- " + Shell.quote(dir) + " "
                + Shell.quote(dir + "/" + m.group(1)) + " 2>&1 | sed 's|.*/||'", QUICK);
        return " (owners: " + String.join("; ", r.stdout().strip().lines().toList()) + ")";
    }

    private static byte[] configText(List<String> lines) {
        return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** The fatal line of CRIU's log (not the first error line: {@link CriuLog}). */
    private String criuError(String dir, String log) {
        return CriuLog.reason(lxc.shell(), dir + "/" + log);
    }
}
