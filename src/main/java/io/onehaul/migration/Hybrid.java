package io.onehaul.migration;

import java.util.EnumSet;
import java.util.Set;

/**
 * Pre-copy rounds while the container runs, then post-copy for what the last round left dirty: the freeze
 * of post-copy with fewer pages left to pull (so a shorter window in which the source must survive).
 */
public final class Hybrid implements MigrationStrategy {
    public static final String NAME = "hybrid";

    private final PreCopyStopRule rule;

    public Hybrid(PreCopyStopRule rule) {
        this.rule = rule;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<Capability> needs() {
        return EnumSet.of(Capability.PRE_DUMP, Capability.LAZY_PAGES);
    }

    @Override
    public void beforeFreeze(MigrationRequest r, MigrationSteps steps, Phases phases) {
        PreCopyLoop.run(r, steps, phases, rule);
        PostCopy.prepare(r, steps, phases);
    }

    @Override
    public Freeze freeze(MigrationRequest r, MigrationSteps steps, Phases phases) {
        return PostCopy.restoreLazily(r, steps, phases);
    }

    @Override
    public void beforeRelease(MigrationRequest r, MigrationSteps steps, Phases phases) {
        PostCopy.awaitLastPage(r, steps, phases);
    }
}
