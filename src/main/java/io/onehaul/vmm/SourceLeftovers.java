package io.onehaul.vmm;

import io.onehaul.host.HostException;
import io.onehaul.leftover.Leftover;
import io.onehaul.leftover.LeftoverJournal;
import io.onehaul.migration.MigrationRequest;
import java.nio.file.Path;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The destination runs but the source could not be released (its host died or cannot be reached, or a step
 * of the release failed): the migration happened, and what stayed on the source is recorded in the journal,
 * so that it is cleaned when the host is back (the next action that opens it, or the host hook).
 */
public final class SourceLeftovers {
    private static final Logger log = LoggerFactory.getLogger(SourceLeftovers.class);
    /** Nothing recorded: the failure is only reported (tests, tools without a state directory). */
    public static final SourceLeftovers NONE = new SourceLeftovers(null, Clock.systemUTC());

    private final LeftoverJournal journal;
    private final Clock clock;

    public SourceLeftovers(LeftoverJournal journal, Clock clock) {
        this.journal = journal;
        this.clock = clock;
    }

    /** Records the source's leftovers and returns what the report and the VM log say about it. */
    public RuntimeException notReleased(MigrationRequest r, RuntimeException cause) {
        if (journal == null) {
            return cause;
        }
        Leftover l = new Leftover(r.sourceHost(), r.vmid(), r.container(), r.sourceSysdir(), r.sharedDatastore(), clock.instant(),
                String.valueOf(cause.getMessage()));
        Path file;
        try {
            file = journal.record(l);
        } catch (RuntimeException e) {
            log.error("SOURCE NOT CLEANED and NOT RECORDED: {} runs on {}, but its old copy on {} (definition, mounts, "
                    + "folder {}) could not be released ({}) nor recorded ({}): remove it by hand before {} is used again",
                    r.container(), r.destinationHost(), r.sourceHost(), r.sourceSysdir(), cause.getMessage(), e.getMessage(),
                    r.sourceHost());
            return cause;
        }
        log.warn("SOURCE NOT CLEANED: {} runs on {}, but {} could not be released on {} ({}). Its leftovers there "
                + "(LXC definition, mounts, folder {}) are recorded in {} and are removed when {} is reachable again: by "
                + "the next OneHaul action on it, or the host-leftovers hook when it is MONITORED. Until then do not start "
                + "{} on {} by hand.", r.container(), r.destinationHost(), r.container(), r.sourceHost(), cause.getMessage(),
                r.sourceSysdir(), file, r.sourceHost(), r.container(), r.sourceHost());
        return new HostException(r.sourceHost(), "the source was not released (" + cause.getMessage()
                + "); its leftovers are recorded in " + file + " for cleaning when " + r.sourceHost() + " is back", cause);
    }
}
