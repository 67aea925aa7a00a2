package io.onehaul.vmm;

import static io.onehaul.host.HostShell.QUICK;

import io.onehaul.host.HostException;
import io.onehaul.host.HostShell;
import io.onehaul.host.Shell;
import io.onehaul.leftover.Leftover;
import io.onehaul.leftover.LeftoverJournal;
import io.onehaul.leftover.LeftoverVerdict;
import io.onehaul.lxc.ContainerState;
import io.onehaul.lxc.LxcHost;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cleans what the journal recorded on a host that is reachable again (issue 10, "the source dies before
 * commit"): for each entry, under the journal's lock, {@link LeftoverVerdict} decides from the host's own
 * facts; a stale copy is killed, its mounts released, its VM folder removed and its definition removed last
 * (the definition is what says the folder is stale, so it goes only once the rest is gone); then the entry.
 */
public final class LeftoverCleanup {
    private static final Logger log = LoggerFactory.getLogger(LeftoverCleanup.class);

    private final DriverSettings settings;
    private final LeftoverJournal journal;

    public LeftoverCleanup(DriverSettings settings, LeftoverJournal journal) {
        this.settings = settings;
        this.journal = journal;
    }

    public LeftoverJournal journal() {
        return journal;
    }

    /** Cleans the host's recorded leftovers (nothing when there are none); returns one line per entry. */
    public List<String> cleanRecorded(HostShell sh) {
        if (!journal.mayHaveEntriesFor(sh.host())) {
            return List.of();
        }
        return journal.underLock(sh.host(), () -> {
            List<String> done = new ArrayList<>();
            for (Leftover l : journal.entriesFor(sh.host())) {
                done.add(clean(sh, l));
                journal.drop(l);
            }
            return done;
        });
    }

    private String clean(HostShell sh, Leftover l) {
        LxcHost lxc = new LxcHost(sh, settings.lxcPath());
        ContainerState state = lxc.state(l.container());
        LeftoverVerdict.HostView view = new LeftoverVerdict.HostView(state != ContainerState.UNDEFINED,
                state == ContainerState.UNDEFINED ? null : definitionWrittenAt(sh, lxc, l.container()));
        if (LeftoverVerdict.decide(l, view) == LeftoverVerdict.Action.VM_PLACED_HERE_AGAIN) {
            String line = l.container() + " was placed on " + l.host() + " again after its leftovers there were recorded ("
                    + view.definitionWrittenAt() + " > " + l.recordedAt() + "): record dropped, nothing removed";
            log.info("{}", line);
            return line;
        }
        String sysdir = io.onehaul.opennebula.Names.absolutePath(l.sysdir(), "recorded VM folder");
        if (state != ContainerState.UNDEFINED && state != ContainerState.STOPPED) {
            log.warn("a stale copy of {} is {} on {} (VM {} runs elsewhere since its migration): killing it",
                    l.container(), state, l.host(), l.vmid());
            lxc.stop(l.container(), true, settings.stopTimeout());
        }
        lxc.unmountDisks(sysdir);
        if (!l.sharedFolder()) {
            sh.check("removing the old VM folder " + sysdir + " on " + l.host(), "rm -rf " + Shell.quote(sysdir), QUICK);
        }
        if (state != ContainerState.UNDEFINED) {
            lxc.undefine(l.container());
        }
        String line = "leftovers of VM " + l.vmid() + " on " + l.host() + " cleaned: " + l.container()
                + (state == ContainerState.UNDEFINED ? " (not defined)" : " (was " + state + ") undefined") + ", folder "
                + sysdir + (l.sharedFolder() ? " kept (shared datastore)" : " removed");
        log.info("{}", line);
        return line;
    }

    private static Instant definitionWrittenAt(HostShell sh, LxcHost lxc, String name) {
        String dir = lxc.containerDir(name);
        var r = sh.run("stat -c %Y " + Shell.quote(dir + "/onehaul.sysdir") + " 2>/dev/null || stat -c %Y "
                + Shell.quote(dir + "/config"), QUICK);
        try {
            return Instant.ofEpochSecond(Long.parseLong(r.stdout().strip()));
        } catch (NumberFormatException e) {
            throw new HostException(sh.host(), "cannot read when " + name + " was defined: " + r.reason());
        }
    }
}
