package io.onehaul.lxc;

import static io.onehaul.host.HostShell.QUICK;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostException;
import io.onehaul.host.HostScript;
import io.onehaul.host.Scratch;
import io.onehaul.host.HostShell;
import io.onehaul.host.Shell;
import io.onehaul.opennebula.Names;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LXC on one host, through plain lxc-* commands over a {@link HostShell} (hosts need no JVM).
 * Every variable word is quoted; container names were validated by {@link Names#deployId}.
 */
public final class LxcHost {
    private static final Logger log = LoggerFactory.getLogger(LxcHost.class);
    /** Written next to the LXC config so that shutdown/save find the VM folder to release. */
    static final String SYSDIR_FILE = "onehaul.sysdir";

    private final HostShell shell;
    private final String configuredLxcPath;
    private String lxcPath;

    public LxcHost(HostShell shell, String configuredLxcPath) {
        this.shell = shell;
        this.configuredLxcPath = configuredLxcPath == null ? "" : configuredLxcPath;
    }

    public HostShell shell() {
        return shell;
    }

    public String host() {
        return shell.host();
    }

    /** The lxcpath in use on the host: configured, or LXC's default there. */
    public String lxcPath() {
        if (lxcPath == null) {
            lxcPath = configuredLxcPath.isBlank()
                    ? shell.check("reading lxc.lxcpath", "lxc-config lxc.lxcpath", QUICK).stdout().strip()
                    : configuredLxcPath;
            Names.absolutePath(lxcPath, "lxcpath on " + host());
        }
        return lxcPath;
    }

    private String p() {
        return "-P " + Shell.quote(lxcPath());
    }

    public String containerDir(String name) {
        return lxcPath() + "/" + Names.deployId(name);
    }

    public ContainerState state(String name) {
        CommandResult r = shell.run("test -f " + Shell.quote(containerDir(name) + "/config") + " || { echo UNDEFINED; exit 0; }; "
                + "lxc-info " + p() + " -n " + Shell.quote(name) + " -s -H", QUICK);
        if (!r.ok()) {
            throw new HostException(host(), "lxc-info " + name + " failed: " + r.reason());
        }
        return ContainerState.parse(r.stdout());
    }

    /**
     * Running and going on: LXC says RUNNING and no task in it is stopped (a lazy dump leaves them stopped,
     * and LXC still calls such a container RUNNING).
     */
    public boolean runsFreely(String name) {
        if (state(name) != ContainerState.RUNNING) {
            return false;
        }
        String n = Shell.quote(name);
        CommandResult r = shell.run("pid=$(lxc-info " + p() + " -n " + n + " -p -H) || exit 1; "
                + "case \"$pid\" in ''|*[!0-9]*) exit 1;; esac; ! pgrep --ns \"$pid\" --nslist pid -r T >/dev/null", QUICK);
        return r.ok();
    }

    /** The id map the container is defined with here (its config's lxc.idmap), privileged when none. */
    public IdMap idMap(String name) {
        CommandResult r = shell.run("sed -n 's/^lxc\\.idmap *= *u 0 \\([0-9][0-9]*\\) \\([0-9][0-9]*\\).*/\\1 \\2/p' "
                + Shell.quote(containerDir(name) + "/config"), QUICK);
        if (!r.ok()) {
            throw new HostException(host(), "reading the id map of " + name + " failed: " + r.reason());
        }
        // no lxc.idmap line: privileged; anything but one "BASE COUNT" is not taken for that
        String out = r.stdout().strip();
        if (out.isEmpty()) {
            return IdMap.PRIVILEGED;
        }
        if (!out.matches("[0-9]+ [0-9]+")) {
            throw new HostException(host(), "unreadable id map of " + name + ": '" + out + "'");
        }
        String[] f = out.split(" ");
        return new IdMap(Long.parseLong(f[0]), Long.parseLong(f[1]));
    }

    /** Host facts a deploy needs: cgroup version and the kind of each disk file in the VM folder. */
    public Map<String, DiskPlan.Kind> probeDisks(String sysdir, List<String> files) {
        StringBuilder cmd = new StringBuilder("cd " + Shell.quote(sysdir) + " || exit 3; ");
        for (String f : files) {
            String q = Shell.quote(f);
            cmd.append("if [ -d ").append(q).append(" ]; then echo ").append(q).append(" DIR; elif [ -f ").append(q)
                    .append(" ]; then echo ").append(q).append(" FILE; else echo ").append(q).append(" MISSING; fi; ");
        }
        CommandResult r = shell.run(cmd.toString(), QUICK);
        if (r.exitCode() == 3) {
            throw new HostException(host(), "VM folder " + sysdir + " does not exist on the host");
        }
        if (!r.ok()) {
            throw new HostException(host(), "inspecting " + sysdir + " failed: " + r.reason());
        }
        Map<String, DiskPlan.Kind> kinds = new LinkedHashMap<>();
        r.stdout().lines().map(l -> l.split(" ")).filter(a -> a.length == 2)
                .forEach(a -> kinds.put(a[0], DiskPlan.Kind.valueOf(a[1])));
        return kinds;
    }

    public boolean cgroupV2() {
        return shell.check("reading the cgroup layout", "stat -fc %T /sys/fs/cgroup", QUICK).stdout().strip()
                .equals("cgroup2fs");
    }

    /** Loop-mounts images; already-mounted points are kept. */
    public void mountDisks(List<PreparedDisk> disks) {
        shell.check("mounting the VM's disks", mountCommand(disks), QUICK);
    }

    /** The shell line that loop-mounts the image disks (idempotent), for callers that batch commands. */
    public static String mountCommand(List<PreparedDisk> disks) {
        List<String> steps = new ArrayList<>();
        for (PreparedDisk d : disks) {
            if (d.loopMount()) {
                String mp = Shell.quote(d.hostPath());
                steps.add("mkdir -p " + mp + " && { mountpoint -q " + mp + " || mount -o loop" + (d.readOnly() ? ",ro" : "")
                        + " " + Shell.quote(d.source()) + " " + mp + "; }");
            }
        }
        return steps.isEmpty() ? "true" : "{ " + String.join(" && ", steps) + "; }";
    }

    /**
     * Gives the writable disks (rootfs and data, mounted) the owners the id map expects: a disk made for
     * another map (or none) is shifted once, here, before the container first runs from it (idshift.pl).
     * Read-only disks are left as they are: the container sees their files as nobody's.
     */
    public void shiftOwnership(List<PreparedDisk> disks, IdMap map) {
        List<String> tops = disks.stream().filter(d -> d.role() != PreparedDisk.Role.CONTEXT && !d.readOnly())
                .map(PreparedDisk::hostPath).toList();
        if (tops.isEmpty()) {
            return;
        }
        StringBuilder cmd = new StringBuilder(HostScript.perl(LxcHost.class, "idshift.pl")).append(' ')
                .append(map.base()).append(' ').append(map.count());
        tops.forEach(t -> cmd.append(' ').append(Shell.quote(t)));
        CommandResult r = shell.check("giving the disks the container's owners", cmd.toString(), SHIFT_TIMEOUT);
        r.stdout().lines().filter(l -> !l.endsWith(" kept")).forEach(l -> log.info("{}: {}", host(), l));
    }

    /** A Debian rootfs of some 30000 files shifts in seconds; an image of millions may take minutes, once. */
    static final Duration SHIFT_TIMEOUT = Duration.ofMinutes(30);

    /**
     * Writes the generated context (hosts without oned's context disk: plain files, no mount), and gives a
     * context folder (not an ISO) and its files to the container's root: the container still sees them
     * read-only (a locked read-only bind mount). The dump renames every context file over (criu/dump.sh),
     * so a process that held one holds an unlinked file; restoring it, CRIU, as the container's root, makes
     * that file again in the folder for a moment, with the owner it had inside.
     */
    public void writeGeneratedContext(List<PreparedDisk> disks, String contextSh, IdMap owner) {
        for (PreparedDisk d : disks) {
            if (d.generatedContext()) {
                shell.check("creating the context folder", "mkdir -p " + Shell.quote(d.hostPath()), QUICK);
                shell.writeFile(d.hostPath() + "/context.sh", contextSh.getBytes(StandardCharsets.UTF_8), QUICK);
            }
            if (d.role() == PreparedDisk.Role.CONTEXT && !d.loopMount()) {
                shell.check("giving the context folder to the container's root", "chown -hR " + owner.hostRoot() + ":"
                        + owner.hostRoot() + " " + Shell.quote(d.hostPath()), QUICK);
            }
        }
    }

    /** Unmounts whatever is mounted below {@code sysdir/mapper}, deepest first. Idempotent. */
    public void unmountDisks(String sysdir) {
        String prefix = Shell.quote(sysdir + "/mapper/");
        shell.check("unmounting the VM's disks",
                "awk -v p=" + prefix + " 'index($2,p)==1 {print $2}' /proc/mounts | sort -r | "
                        + "while read -r m; do umount \"$m\" 2>/dev/null || umount -l \"$m\"; done", QUICK);
    }

    public void define(String name, String config, String sysdir) {
        String dir = containerDir(name);
        shell.check("creating the container folder", "mkdir -p " + Shell.quote(dir), QUICK);
        shell.writeFile(dir + "/config", config.getBytes(StandardCharsets.UTF_8), QUICK);
        shell.writeFile(dir + "/" + SYSDIR_FILE, (sysdir + "\n").getBytes(StandardCharsets.UTF_8), QUICK);
    }

    /** The VM folder recorded at deploy/restore, or empty if the container is not defined here. */
    public String recordedSysdir(String name) {
        CommandResult r = shell.run("cat " + Shell.quote(containerDir(name) + "/" + SYSDIR_FILE) + " 2>/dev/null", QUICK);
        return r.ok() ? r.stdout().strip() : "";
    }

    /** Removes the container definition only (config and logs); disks live in the datastore. */
    public void undefine(String name) {
        shell.check("removing the container definition", "rm -rf " + Shell.quote(containerDir(name)), QUICK);
    }

    public void start(String name, Duration timeout) {
        String n = Shell.quote(name);
        long logged = logLines(name);
        // The log named here, not only in the config: LXC reads the config's log settings after the checks
        // that most often refuse a start (AppArmor, cgroups), and would log their reason nowhere.
        CommandResult r = shell.run(detachedCommand("lxc-start " + p() + " -n " + n + " -l WARN -o "
                + Shell.quote(lxcLog(name)), Scratch.file(name, "start.log"))
                + " && lxc-wait " + p() + " -n " + n + " -s RUNNING -t " + timeout.toSeconds(), timeout.plusSeconds(10));
        if (!r.ok()) {
            throw new HostException(host(), "lxc-start " + name + " failed: " + r.reason() + lxcLogWarnings(name, logged));
        }
        confirmRunning(name);
    }

    /** Tells the network where a restored container now is ({@link NetworkAnnouncement}); returns at once. */
    public void announce(String name) {
        shell.run(NetworkAnnouncement.command(lxcPath(), name), QUICK);
    }

    /** A container that dies right after starting reports RUNNING for a moment: look again. */
    public void confirmRunning(String name) {
        CommandResult r = shell.run("sleep 1; lxc-info " + p() + " -n " + Shell.quote(name) + " -s -H", QUICK);
        if (!r.ok() || !r.stdout().strip().equals("RUNNING")) {
            throw new HostException(host(), name + " did not stay RUNNING (state " + r.stdout().strip() + ")"
                    + lxcLogWarnings(name, -1));
        }
    }

    public void stop(String name, boolean kill, Duration timeout) {
        String cmd = "lxc-stop " + p() + " -n " + Shell.quote(name) + (kill ? " -k" : " -t " + timeout.toSeconds());
        CommandResult r = shell.run(cmd, timeout.plusSeconds(10));
        if (!r.ok() && state(name) != ContainerState.STOPPED) {
            throw new HostException(host(), "lxc-stop " + name + " failed: " + r.reason());
        }
    }

    /**
     * Kills what a restore that did not finish (CRIU killed half-way) leaves running outside LXC's view: tasks
     * in the container's payload cgroups with no monitor (lxc-info says STOPPED, lxc-stop does nothing), which
     * also keep its network namespace and host-side veth. Only for a container that is not RUNNING here, right
     * before it is restored again. Returns how many processes were killed.
     */
    public int killStrayProcesses(String name) {
        String n = Shell.quote(Names.deployId(name));
        String procs = "cat /sys/fs/cgroup/lxc.payload." + n + "/cgroup.procs /sys/fs/cgroup/lxc.payload." + n
                + "-[0-9]*/cgroup.procs /sys/fs/cgroup/*/lxc.payload." + n + "/cgroup.procs /sys/fs/cgroup/*/lxc.payload." + n
                + "-[0-9]*/cgroup.procs 2>/dev/null | sort -u";
        CommandResult r = shell.run("p=$(" + procs + "); [ -n \"$p\" ] || { echo 0; exit 0; }; kill -KILL $p 2>/dev/null; "
                + "i=0; while [ -n \"$(" + procs + ")\" ] && [ $i -lt 100 ]; do i=$((i+1)); sleep 0.05; done; "
                + "for v in $(sed -n 's/^lxc[.]net[.][0-9]*[.]veth[.]pair *= *//p' " + Shell.quote(containerDir(name) + "/config")
                + " 2>/dev/null); do ip link del \"$v\" 2>/dev/null; done; echo $p | wc -w", QUICK);
        try {
            return Integer.parseInt(r.stdout().strip());
        } catch (NumberFormatException e) {
            throw new HostException(host(), "looking for stray processes of " + name + " failed: " + r.reason());
        }
    }

    /**
     * Runs a command that may leave a daemon behind (lxc-start, lxc-checkpoint -r): its output goes to
     * a file, never to the SSH channel, or the channel stays open as long as the container runs.
     */
    public String detachedCommand(String command, String logFile) {
        String log = Shell.quote(logFile);
        // A subshell, so that callers can chain more commands after it.
        return "( " + Scratch.prepare(logFile) + " || exit 1; " + command + " </dev/null >" + log + " 2>&1; rc=$?; cat "
                + log + " >&2; rm -f " + log + "; exit $rc )";
    }

    /** How many lines the container's LXC log has now. */
    private long logLines(String name) {
        String out = shell.run("cat " + Shell.quote(lxcLog(name)) + " 2>/dev/null | wc -l", QUICK).stdout().strip();
        return out.matches("[0-9]+") ? Long.parseLong(out) : 0;
    }

    /**
     * The first warnings and errors in the container's LXC log after line {@code from} (-1: in its last 50
     * lines), without LXC's generic closing ones: what refused a start, for the VM log.
     */
    private String lxcLogWarnings(String name, long from) {
        String lines = from >= 0 ? "tail -n +" + (from + 1) : "tail -n 50";
        CommandResult r = shell.run(lines + " " + Shell.quote(lxcLog(name)) + " 2>/dev/null | grep -E ' (ERROR|WARN) ' "
                + "| grep -vE 'lxc_start_main|wait_on_daemonized_start|Uninitialized (limit|monitor) cgroup' | head -n 4 "
                + "| sed -E 's/^[^ ]+ [^ ]+ [0-9.]+ +//; s/ +/ /g'", QUICK);
        String found = String.join("; ", r.stdout().strip().lines().toList());
        return found.isEmpty() ? "" : " (lxc log: " + found + ")";
    }

    private static String lxcLog(String name) {
        return "/var/log/lxc/" + name + ".log";
    }
}
