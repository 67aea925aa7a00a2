package io.onehaul.hooks;

import io.onehaul.host.HostShell;
import io.onehaul.host.HostShellFactory;
import io.onehaul.opennebula.HostXml;
import io.onehaul.vmm.LeftoverCleanup;
import java.util.List;

/**
 * State hook on HOST MONITORED ({@code $TEMPLATE} = the {@code <HOST>}): a host that oned monitors again is
 * reachable, so the leftovers live migrations recorded for it (their source died before it was released)
 * are cleaned now rather than at the next action that opens it. A host without records is not contacted.
 */
public final class HostLeftoversHook {
    /** Host STATE MONITORED (reference §6.4). */
    static final int MONITORED = 2;

    private final LeftoverCleanup cleanup;
    private final HostShellFactory hosts;

    public HostLeftoversHook(LeftoverCleanup cleanup, HostShellFactory hosts) {
        this.cleanup = cleanup;
        this.hosts = hosts;
    }

    public HookResult run(String xml) {
        HostXml host = HostXml.parse(xml);
        String name = io.onehaul.opennebula.Names.host(host.name());
        if (host.state() != MONITORED) {
            return HookResult.done("host " + name + " is in state " + host.state() + ", not MONITORED: nothing to do");
        }
        if (!cleanup.journal().mayHaveEntriesFor(name)) {
            return HookResult.done("no leftovers recorded for host " + name);
        }
        try (HostShell sh = hosts.open(name)) {
            List<String> done = cleanup.cleanRecorded(sh);
            return HookResult.done(done.isEmpty() ? "no leftovers left to clean on host " + name
                    : "host " + name + ": " + String.join("; ", done));
        } catch (RuntimeException e) {
            return HookResult.failed("leftovers on host " + name + " not cleaned: " + e.getMessage());
        }
    }
}
