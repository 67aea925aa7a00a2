package io.onehaul.transfer;

import io.onehaul.host.HostRelay;
import io.onehaul.host.HostShell;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The routes of one migration (or one transfer line): direct to every host unless a relay through the
 * front-end was opened for it. Everything that crosses between hosts (copies, the changed blocks, page
 * server and lazy-page tunnels, the link probe) asks here, so a migration takes one path throughout.
 * Closing it closes the relays.
 */
public final class Routes implements AutoCloseable {
    private final String ssh;
    private final Map<String, SshRoute> relayed = new HashMap<>();
    private final List<HostRelay> relays = new ArrayList<>();

    /** @param ssh the ssh command line a host uses for another host (transfer.ssh_command) */
    public Routes(String ssh) {
        this.ssh = ssh;
    }

    public SshRoute to(String destination) {
        SshRoute r = relayed.get(destination);
        return r != null ? r : SshRoute.direct(ssh, destination);
    }

    /** The direct route, whatever was chosen (for the reachability probe). */
    public SshRoute direct(String destination) {
        return SshRoute.direct(ssh, destination);
    }

    /** From now on, {@code source} reaches {@code destination} through the front-end. */
    public SshRoute relay(HostShell source, String destination, int sshPort) {
        HostRelay relay = source.relayTo(destination, sshPort);
        relays.add(relay);
        SshRoute r = SshRoute.relayed(ssh, relay, destination);
        relayed.put(destination, r);
        return r;
    }

    @Override
    public void close() {
        relays.forEach(HostRelay::close);
        relays.clear();
        relayed.clear();
    }
}
