package io.onehaul.criu;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostScript;
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

    /** The host command (criu/dumpability-scan.sh); prints {@code kind<TAB>pid<TAB>comm<TAB>what<TAB>resource} lines. */
    static String command(String lxcPath, String container) {
        return HostScript.sh(DumpabilityScan.class, "dumpability-scan.sh") + " " + Shell.quote(lxcPath) + " "
                + Shell.quote(container);
    }
}
