package io.onehaul.migration;

import java.util.EnumSet;
import java.util.Set;

/**
 * Iterative pre-copy: pre-dump rounds while the container runs ({@link PreCopyLoop}), each sending its
 * pages to the destination, then a final dump of only what the last round left dirty, streamed to the
 * destination's page server. Needs soft-dirty
 * tracking on both hosts.
 */
public final class PreCopy implements MigrationStrategy {
    public static final String NAME = "pre-copy";

    private final PreCopyStopRule rule;

    public PreCopy(PreCopyStopRule rule) {
        this.rule = rule;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<Capability> needs() {
        return EnumSet.of(Capability.PAGE_SERVER, Capability.PRE_DUMP);
    }

    @Override
    public void beforeFreeze(MigrationRequest r, MigrationSteps steps, Phases phases) {
        PreCopyLoop.run(r, steps, phases, rule);
        Streamed.startPageServer(r, steps, phases); // for the final dump, whose parent is the last round
    }

    @Override
    public Freeze freeze(MigrationRequest r, MigrationSteps steps, Phases phases) {
        return Streamed.dumpToPageServer(r, steps, phases);
    }
}
