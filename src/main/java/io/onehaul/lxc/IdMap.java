package io.onehaul.lxc;

import io.onehaul.opennebula.BadInputException;
import io.onehaul.opennebula.VmXml;
import java.util.List;
import java.util.Locale;

/**
 * Whose ids the container's root and users are on the host. Unprivileged (the default): root in the
 * container is {@link #STOCK_BASE} on the host, and every id up to {@link #STOCK_COUNT} is shifted by it, the
 * stock LXC driver's map, so a container escaping its namespaces is nobody on the host. Privileged (no map)
 * only where the VM's {@value #TEMPLATE_SWITCH} says "no" and the operator allows it.
 */
public record IdMap(long base, long count) {
    /** The stock driver's first mapped id (its docs: "Sub UID/GID range 600100001-600165537"). */
    public static final long STOCK_BASE = 600100001L;
    public static final long STOCK_COUNT = 65536L;
    public static final IdMap PRIVILEGED = new IdMap(0, 0);
    public static final IdMap UNPRIVILEGED = new IdMap(STOCK_BASE, STOCK_COUNT);
    /** The USER_TEMPLATE attribute the stock driver reads, with its values. */
    public static final String TEMPLATE_SWITCH = "LXC_UNPRIVILEGED";
    /** The onehaul.conf key that lets a VM ask for a privileged container. */
    public static final String ALLOW_SETTING = "container.allow_privileged";

    public boolean privileged() {
        return count == 0;
    }

    /** The container's root on the host: 0 when privileged. */
    public long hostRoot() {
        return base;
    }

    /** The lxc.idmap lines; none when privileged. */
    public List<String> lxcLines() {
        return privileged() ? List.of()
                : List.of("lxc.idmap = u 0 " + base + " " + count, "lxc.idmap = g 0 " + base + " " + count);
    }

    /**
     * The VM's map: privileged where {@value #TEMPLATE_SWITCH} is "no" or "false" (any case), as the stock
     * driver reads it, and the operator allows it; refused as bad input where it does not.
     */
    public static IdMap of(VmXml vm, boolean privilegedAllowed) {
        String asked = vm.userAttribute(TEMPLATE_SWITCH).strip().toLowerCase(Locale.ROOT);
        if (!asked.equals("no") && !asked.equals("false")) {
            return UNPRIVILEGED;
        }
        if (!privilegedAllowed) {
            throw new BadInputException("VM " + vm.id() + " asks for a privileged container (" + TEMPLATE_SWITCH + " = "
                    + vm.userAttribute(TEMPLATE_SWITCH).strip() + "), which this cloud does not allow: its root would be "
                    + "root on the host (an operator allows it with " + ALLOW_SETTING + " = true in onehaul.conf)");
        }
        return PRIVILEGED;
    }
}
