package io.onehaul.vmm;

import io.onehaul.host.HostException;
import io.onehaul.host.HostShell;
import io.onehaul.host.HostShellFactory;

/**
 * Every driver action reaches hosts through this factory: before it hands out a shell to a host for which
 * the journal holds leftovers, it cleans them. So nothing OneHaul places on a host that came back can meet a
 * stale copy of a VM there, and a host without entries costs one listing of an empty folder. If the
 * cleaning fails, the action does not go on on that host: it would act beside a stale copy (and a later
 * cleaning could take for stale what this action placed).
 */
public final class CleaningHosts implements HostShellFactory {
    private final HostShellFactory hosts;
    private final LeftoverCleanup cleanup;

    public CleaningHosts(HostShellFactory hosts, LeftoverCleanup cleanup) {
        this.hosts = hosts;
        this.cleanup = cleanup;
    }

    @Override
    public HostShell open(String host) {
        HostShell sh = hosts.open(host);
        try {
            cleanup.cleanRecorded(sh);
            return sh;
        } catch (RuntimeException e) {
            sh.close();
            throw new HostException(host, "leftovers of an earlier live migration recorded in " + cleanup.journal().dir()
                    + " could not be cleaned, so nothing else is done on " + host + ": " + e.getMessage()
                    + " (clean them by hand, then delete the record)", e);
        }
    }
}
