package io.onehaul.criu;

import static io.onehaul.host.HostShell.QUICK;

import io.onehaul.host.HostShell;
import io.onehaul.host.Shell;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The line of a CRIU log that says why a dump or restore failed. CRIU logs every error on the way out
 * ("Dump files (pid: …) failed", "Dumping FAILED."), and some that change nothing (here: "rlimit:
 * Can't setup RLIMIT_NOFILE for self" when the dumping process lacks CAP_SYS_RESOURCE, docs/criu-lxc-notes.md):
 * the cause is the first error that is neither. It becomes the VM's error, so it must be the real one
 * (found under a real oned: the harmless rlimit line hid "Can't lookup mount=… for fd=… path=/dev/null").
 */
public final class CriuLog {
    /** Error lines CRIU writes in normal operation on these hosts. */
    static final List<Pattern> HARMLESS = List.of(
            Pattern.compile("rlimit: Can't setup RLIMIT_NOFILE for self"),
            // `ip addr restore` of addresses the new netns already has (its loopback): a restore that
            // succeeds logs them too
            Pattern.compile("^Error: ipv[46]: [Aa]ddress already assigned"));
    /** Error lines that only report that something above failed. */
    static final List<Pattern> CONSEQUENCES = List.of(
            Pattern.compile("(Dumping|Restoring|Pre-dumping|Lazy pages transfer) FAILED"),
            Pattern.compile("Dump (files|mappings|core) \\(pid: \\d+\\) failed"),
            Pattern.compile("One of more action scripts failed"),
            Pattern.compile("Restore of the tasks failed|Killing processes because of failure on restore"));
    private static final Pattern ERROR = Pattern.compile("\\bError\\b");
    /** How many error lines are read from the host: the cause is near the first ones. */
    static final int LINES_READ = 40;

    private CriuLog() {}

    /** The fatal line among {@code lines} (CRIU log lines, in order); empty when there is no error line. */
    public static Optional<String> fatalLine(List<String> lines) {
        String firstConsequence = null;
        for (String raw : lines) {
            String line = raw.strip();
            if (!ERROR.matcher(line).find() || matchesAny(HARMLESS, line)) {
                continue;
            }
            if (matchesAny(CONSEQUENCES, line)) {
                firstConsequence = firstConsequence == null ? line : firstConsequence;
                continue;
            }
            return Optional.of(shorten(line));
        }
        return Optional.ofNullable(firstConsequence).map(CriuLog::shorten);
    }

    /** The fatal line of the log at {@code path} on a host, read with one grep; empty if none or unreadable. */
    public static Optional<String> fatalLine(HostShell sh, String path) {
        String out = sh.run("grep -m " + LINES_READ + " -E 'Error' " + Shell.quote(path) + " 2>/dev/null", QUICK).stdout();
        return fatalLine(out.lines().toList());
    }

    /** " (criu dump.log: <line>)" for a failure message, or "" when the log says nothing. */
    public static String reason(HostShell sh, String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        return fatalLine(sh, path).map(l -> " (criu " + name + ": " + l + ")").orElse("");
    }

    /** Drops CRIU's "(00.123456) " timestamp and its pid prefix, keeping "Error (file:line): text". */
    static String shorten(String line) {
        int i = line.indexOf("Error");
        return i > 0 ? line.substring(i) : line;
    }

    private static boolean matchesAny(List<Pattern> patterns, String line) {
        return patterns.stream().anyMatch(p -> p.matcher(line).find());
    }
}
