package io.onehaul.transfer;

import io.onehaul.host.HostRelay;
import io.onehaul.opennebula.Names;

/**
 * How a host's ssh (rsync -e, tunnels, the link probe) reaches another host: straight to its name, or,
 * when the two cannot reach each other (hosts of different providers), to a relay port on its own
 * 127.0.0.1 that leads through the front-end ({@link HostRelay}). Either way the SSH session is end to
 * end between the two hosts and the destination's key is checked under its own name (HostKeyAlias), so
 * the front-end carries bytes it cannot read or alter.
 *
 * @param ssh         the ssh command line to use on the source host
 * @param address     what that ssh connects to
 * @param destination the destination host's name, as OpenNebula and known_hosts name it
 */
public record SshRoute(String ssh, String address, String destination) {

    public static SshRoute direct(String ssh, String destination) {
        Names.host(destination);
        return new SshRoute(ssh, destination, destination);
    }

    public static SshRoute relayed(String ssh, HostRelay relay, String destination) {
        Names.host(destination);
        // first: ssh keeps the first value it gets for an option, the operator's line may set others
        return new SshRoute(withLeadingOptions(ssh, "-p " + relay.port() + " -o HostKeyAlias=" + destination),
                "127.0.0.1", destination);
    }

    public boolean relayed() {
        return !address.equals(destination);
    }

    /** {@code options} put right after the program's name. */
    static String withLeadingOptions(String sshCommand, String options) {
        String c = sshCommand.strip();
        int space = c.indexOf(' ');
        String program = space < 0 ? c : c.substring(0, space);
        String rest = space < 0 ? "" : c.substring(space);
        return program + " " + options + rest;
    }
}
