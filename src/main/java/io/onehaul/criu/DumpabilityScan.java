package io.onehaul.criu;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostShell;
import io.onehaul.host.Shell;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pre-flight, read-only: lists what in a running container CRIU would refuse, before anything is frozen.
 * One shell command on the source host walks the container's process tree from its init
 * ({@code lxc-info -p -H}, then /proc/PID/task/TID/children) and prints, per process, the namespaces that
 * differ from init's, its BPF and io_uring fds, and (once per mount namespace) its ramfs mounts;
 * {@link DumpabilityFinding#parse} decides which are findings. Needs only sh, awk and readlink on the host.
 */
public final class DumpabilityScan {
    private static final Logger log = LoggerFactory.getLogger(DumpabilityScan.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private DumpabilityScan() {}

    /** The findings for {@code container}; empty when it is not running or the scan itself failed (logged). */
    public static List<DumpabilityFinding> run(HostShell sh, String lxcPath, String container) {
        CommandResult r = sh.run(command(lxcPath, container), TIMEOUT);
        if (!r.ok()) {
            log.warn("dumpability scan of {} on {} failed ({}); CRIU's own dump will tell", container, sh.host(), r.reason());
            return List.of();
        }
        return DumpabilityFinding.parse(r.stdout().lines().toList());
    }

    /** The host command; prints {@code kind<TAB>pid<TAB>comm<TAB>what<TAB>resource} lines. */
    static String command(String lxcPath, String container) {
        return "init=$(lxc-info -P " + Shell.quote(lxcPath) + " -n " + Shell.quote(container) + " -p -H 2>/dev/null)\n"
                + "case \"$init\" in ''|*[!0-9]*) echo 'not running'; exit 0;; esac\n"
                // the process tree, breadth first (threads' children too)
                + "all=''; todo=$init\n"
                + "while [ -n \"$todo\" ]; do next=''; for p in $todo; do all=\"$all $p\"; "
                + "for c in /proc/$p/task/*/children; do next=\"$next $(cat \"$c\" 2>/dev/null)\"; done; done; "
                + "todo=$next; done\n"
                + "who() { pid=$(awk '/^NSpid:/ {print $NF}' /proc/$1/status 2>/dev/null); "
                + "comm=$(tr '\\t' ' ' < /proc/$1/comm 2>/dev/null); }\n"
                + "mnts=''\n"
                + "for p in $all; do\n"
                + "  [ -d /proc/$p ] || continue; who $p\n"
                + "  for ns in uts ipc net pid user cgroup time mnt; do\n"
                + "    a=$(readlink /proc/$p/ns/$ns 2>/dev/null) || continue\n"
                + "    [ \"$a\" = \"$(readlink /proc/$init/ns/$ns 2>/dev/null)\" ] || printf 'ns\\t%s\\t%s\\t%s\\t%s\\n' \"$pid\" \"$comm\" $ns \"$a\"\n"
                + "  done\n"
                + "  for fd in /proc/$p/fd/*; do l=$(readlink \"$fd\" 2>/dev/null) || continue; case \"$l\" in\n"
                + "    anon_inode:bpf*|anon_inode:\\[io_uring\\]) printf 'fd\\t%s\\t%s\\t%s\\t%s\\n' \"$pid\" \"$comm\" \"${fd##*/}\" \"$l\";;\n"
                + "  esac; done\n"
                + "  m=$(readlink /proc/$p/ns/mnt 2>/dev/null) || continue\n"
                + "  case \"$mnts\" in *\" $m \"*) continue;; esac; mnts=\"$mnts $m \"\n"
                + "  awk -v pid=\"$pid\" -v comm=\"$comm\" '{ for (i = 7; i < NF; i++) if ($i == \"-\") { "
                + "printf \"mnt\\t%s\\t%s\\t%s\\t%s\\n\", pid, comm, $(i + 1), $5; break } }' /proc/$p/mountinfo 2>/dev/null\n"
                + "done\n";
    }
}
