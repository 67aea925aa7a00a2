package io.onehaul.migration;

import java.util.EnumSet;
import java.util.Set;

/**
 * Stop-and-copy without the memory images on the source's disk: a CRIU page server on the destination
 * receives the pages while the dump runs, so the final copy carries only the small images and the disk
 * delta. The source is still held until the destination runs, so a failure anywhere rolls back as
 * stop-and-copy does.
 */
public final class Streamed implements MigrationStrategy {
    public static final String NAME = "streamed";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<Capability> needs() {
        return EnumSet.of(Capability.PAGE_SERVER);
    }

    @Override
    public void beforeFreeze(MigrationRequest r, MigrationSteps steps, Phases phases) {
        startPageServer(r, steps, phases);
    }

    /** The destination's page server, a phase of its own (streamed, and the pre-dump rounds' target). */
    static void startPageServer(MigrationRequest r, MigrationSteps steps, Phases phases) {
        phases.run(Phase.PAGE_SERVER, () -> {
            Capability.as(steps, MigrationSteps.WithPageServer.class).startPageServer(r);
            return null;
        });
    }

    @Override
    public Freeze freeze(MigrationRequest r, MigrationSteps steps, Phases phases) {
        return dumpToPageServer(r, steps, phases);
    }

    /**
     * The freeze with the pages streamed to the destination's page server (streamed, and pre-copy's final
     * dump). The pages are counted once the destination runs, so counting adds nothing to the freeze.
     */
    static Freeze dumpToPageServer(MigrationRequest r, MigrationSteps steps, Phases phases) {
        Freeze freeze = StopAndCopy.copyThenRestore(r, steps, phases, MemoryTransport.PAGE_SERVER);
        phases.addBytes(Phase.DUMP, Capability.as(steps, MigrationSteps.WithPageServer.class).pageServerReceived(r));
        return freeze;
    }
}
