package io.onehaul.migration;

/**
 * Iterative pre-copy: pre-dump rounds while the container runs ({@link PreCopyLoop}), then a final dump
 * of only what the last round left dirty, streamed to the destination's page server. Needs soft-dirty
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
    public void beforeFreeze(MigrationRequest r, MigrationSteps steps, Phases phases) {
        PreCopyLoop.runAfterPageServer(r, steps, phases, rule);
    }

    @Override
    public Freeze freeze(MigrationRequest r, MigrationSteps steps, Phases phases) {
        return StopAndCopy.copyThenRestore(r, steps, phases, MemoryTransport.PAGE_SERVER);
    }
}
