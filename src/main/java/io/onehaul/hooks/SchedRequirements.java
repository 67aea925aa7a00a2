package io.onehaul.hooks;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The SCHED_REQUIREMENTS value that keeps a regulated VM on compliant hosts: {@code ID = 1 | ID = 4},
 * or {@code ID = -1} (no host has that id) when none qualifies, so that the scheduler leaves the VM
 * pending instead of placing it somewhere the drivers will refuse.
 *
 * <p>An operator's own expression is kept and combined: {@code (CLUSTER_ID = 100) & (ID = 1 | ID = 4)}.
 * The host list is recognised by its exact form when the value is read back, so recomputing it never
 * nests the expression deeper. A bare {@code ID = n | ...} list is taken to be ours.
 */
final class SchedRequirements {
    static final String ATTRIBUTE = "SCHED_REQUIREMENTS";
    private static final String LIST = "ID = -?\\d+(?: \\| ID = -?\\d+)*";
    private static final Pattern OURS = Pattern.compile(LIST);
    private static final Pattern COMBINED = Pattern.compile("\\((.*)\\) & \\((" + LIST + ")\\)", Pattern.DOTALL);

    private SchedRequirements() {}

    static String hostList(List<Integer> compliantHostIds) {
        if (compliantHostIds.isEmpty()) {
            return "ID = -1";
        }
        return compliantHostIds.stream().sorted().distinct().map(id -> "ID = " + id).collect(Collectors.joining(" | "));
    }

    /** The operator's part of a current value (empty when there is none). */
    static String operatorPart(String current) {
        String c = current == null ? "" : current.strip();
        if (c.isEmpty() || OURS.matcher(c).matches()) {
            return "";
        }
        Matcher m = COMBINED.matcher(c);
        return m.matches() ? m.group(1).strip() : c;
    }

    /** The value to have, given the current one and the compliant hosts. */
    static String wanted(String current, List<Integer> compliantHostIds) {
        String theirs = operatorPart(current);
        String ours = hostList(compliantHostIds);
        return theirs.isEmpty() ? ours : "(" + theirs + ") & (" + ours + ")";
    }
}
