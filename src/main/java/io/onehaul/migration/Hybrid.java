package io.onehaul.migration;

import java.util.EnumSet;
import java.util.Set;

/**
 * Pre-copy rounds while the container runs, then post-copy. Meant to leave fewer pages to pull after the
 * freeze, but CRIU 4.1.1's lazy dump ignores the parent images: measured in the stock-kernel guest, a
 * lazy dump whose parent held every page (nothing written since) still marked 16465 of 16500 pages lazy
 * and 0 as in the parent, so every page crosses again after the rounds. Auto therefore never chooses it;
 * it runs where an operator lists it, and its report counts both (what crossed the link).
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
