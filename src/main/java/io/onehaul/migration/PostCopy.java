package io.onehaul.migration;

import java.util.EnumSet;
import java.util.Set;
import java.time.Instant;

/**
 * Post-copy (lazy pages): the dump leaves the pages on the source, the destination restores at once and
 * pulls them on demand and in the background. The freeze no longer grows with the memory. The guard:
 * the destination must never run on with missing pages, so the adapter kills it the moment its page
 * source is lost ({@link PagesLostException}) and the held source resumes where it still can. The source
 * is released only after the last page has arrived.
 */
public final class PostCopy implements MigrationStrategy {
    public static final String NAME = "post-copy";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<Capability> needs() {
        return EnumSet.of(Capability.LAZY_PAGES);
    }

    @Override
    public void beforeFreeze(MigrationRequest r, MigrationSteps steps, Phases phases) {
        prepare(r, steps, phases);
    }

    @Override
    public Freeze freeze(MigrationRequest r, MigrationSteps steps, Phases phases) {
        return restoreLazily(r, steps, phases);
    }

    /** The tunnel to the source's page service and the restore options, while the container still runs. */
    static void prepare(MigrationRequest r, MigrationSteps steps, Phases phases) {
        phases.run(Phase.LAZY_SETUP, () -> {
            Capability.as(steps, MigrationSteps.WithLazyPages.class).prepareLazyPages(r);
            return null;
        });
    }

    @Override
    public void beforeRelease(MigrationRequest r, MigrationSteps steps, Phases phases) {
        awaitLastPage(r, steps, phases);
    }

    static Freeze restoreLazily(MigrationRequest r, MigrationSteps steps, Phases phases) {
        Instant dumpStart = phases.run(Phase.DUMP, () -> steps.dumpAndHold(r, MemoryTransport.LAZY));
        phases.run(Phase.FINAL_SYNC, () -> steps.finalSync(r));
        Instant runs = phases.run(Phase.RESTORE, () -> steps.restoreOnDestination(r, MemoryTransport.LAZY));
        return new Freeze(dumpStart, runs);
    }

    static void awaitLastPage(MigrationRequest r, MigrationSteps steps, Phases phases) {
        phases.run(Phase.LAZY_PAGES, () -> Capability.as(steps, MigrationSteps.WithLazyPages.class).awaitLazyPages(r));
    }
}
