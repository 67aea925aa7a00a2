package io.onehaul.lxc;

import io.onehaul.host.Shell;

/**
 * After a container is restored on another host, the network still sends its frames to the old one:
 * switches and VXLAN endpoints learned its MAC there, and only a frame from the new place corrects them.
 * A restored container sends nothing until its own traffic does, so the host announces it at once:
 * a gratuitous ARP (unsolicited, {@code arping -U}) for every global IPv4 address of every interface in
 * the container's network namespace, and one multicast echo to all-nodes for every interface with a global
 * IPv6 address (a frame from its MAC, which is what the bridges learn from). Sent twice, a second apart,
 * in the background: the caller's timing (the freeze) never waits for it.
 */
public final class NetworkAnnouncement {
    private NetworkAnnouncement() {}

    /**
     * A shell snippet, prints nothing, always succeeds: the announcement of a running container, detached.
     * Hosts without arping skip IPv4 (the first outgoing packet of the container corrects the network then).
     */
    public static String command(String lxcPath, String name) {
        String pid = "lxc-info -P " + Shell.quote(lxcPath) + " -n " + Shell.quote(name) + " -p -H";
        // every command in the container's network namespace: in the host's, "eth0" is the host's own NIC
        String inNs = "nsenter -t \"$p\" -n";
        String body = "p=$(" + pid + " 2>/dev/null); [ -n \"$p\" ] || exit 0; "
                + inNs + " ip -o -4 addr show scope global | while read -r _ dev _ cidr _; do "
                + inNs + " arping -q -U -c 2 -I \"$dev\" \"${cidr%/*}\" & done; "
                + inNs + " ip -o -6 addr show scope global | while read -r _ dev _; do "
                + inNs + " ping -6 -q -c 2 -I \"$dev\" ff02::1 & done; wait";
        return "{ setsid sh -c " + Shell.quote(body) + " </dev/null >/dev/null 2>&1 & }";
    }
}
