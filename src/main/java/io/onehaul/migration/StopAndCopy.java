package io.onehaul.migration;

import java.time.Instant;
import java.util.Set;

/**
 * Dump to image files on the source while it is held frozen, copy them with the disk delta, restore.
 * The freeze grows with the memory (written once, copied once); it is the fallback every host can run.
 */
public final class StopAndCopy implements MigrationStrategy {
    public static final String NAME = "stop-and-copy";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<Capability> needs() {
        return Set.of();
    }

    @Override
    public Freeze freeze(MigrationRequest r, MigrationSteps steps, Phases phases) {
        return copyThenRestore(r, steps, phases, MemoryTransport.LOCAL_IMAGES);
    }

    /** Dump with {@code transport}, final copy, restore: the freeze of every strategy that restores with all pages. */
    static Freeze copyThenRestore(MigrationRequest r, MigrationSteps steps, Phases phases, MemoryTransport transport) {
        Instant dumpStart = phases.run(Phase.DUMP, () -> steps.dumpAndHold(r, transport));
        phases.run(Phase.FINAL_SYNC, () -> steps.finalSync(r));
        Instant runs = phases.run(Phase.RESTORE, () -> steps.restoreOnDestination(r, transport));
        return new Freeze(dumpStart, runs);
    }
}
