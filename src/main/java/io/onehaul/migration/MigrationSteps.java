package io.onehaul.migration;

import java.time.Instant;

/**
 * Port: what the two hosts can do for a live migration. The orchestration ({@link LiveMigration}) and
 * the strategies ({@link MigrationStrategy}) decide the order and what to undo; an adapter does the
 * I/O (LXC, CRIU, rsync over SSH). Each method throws on failure with a reason for the VM log.
 * <p>
 * This interface is what every adapter does (stop-and-copy). The steps only some strategies use are
 * capabilities, each an interface of its own below ({@link Capability}): an adapter declares one by
 * implementing it, and a strategy that needs one is never chosen for an adapter without it.
 */
public interface MigrationSteps {

    /** Read-only checks on both hosts; throws {@link MigrationRefusedException} with the reason. */
    void preflight(MigrationRequest r);

    /** What both hosts' CRIU and kernels can do, as found at pre-flight (after {@link #preflight}). */
    default HostFeatures features() {
        return HostFeatures.BASIC;
    }

    /** Copies the VM folder while the container runs (skipped for shared datastores). Returns bytes sent. */
    long presync(MigrationRequest r);

    /**
     * Checkpoints the container, its pages going by {@code transport}, and keeps its processes frozen on
     * the source until {@link #commitSource} or {@link #resumeSource}. Returns the source host's clock
     * when the dump started.
     */
    Instant dumpAndHold(MigrationRequest r, MemoryTransport transport);

    /** The last copy while frozen: the rootfs delta and the checkpoint images. Returns bytes sent. */
    long finalSync(MigrationRequest r);

    /**
     * Restores on the destination and confirms it runs. With {@link MemoryTransport#LAZY} the restore starts
     * the destination's lazy-pages daemon first and the guard that kills the destination copy if the
     * daemon loses its page source. Returns the destination host's clock when it runs.
     */
    Instant restoreOnDestination(MigrationRequest r, MemoryTransport transport);

    /** The destination runs: lets CRIU end the held source processes and releases the source. */
    void commitSource(MigrationRequest r);

    /** Rollback: the held (or never frozen) source goes on running; true if it runs afterwards. */
    boolean resumeSource(MigrationRequest r);

    /** Rollback: removes whatever the migration made on the destination (container, mounts, copies). */
    void cleanDestination(MigrationRequest r);

    /** "direct" or "relay", and why (from preflight); null when the steps move nothing between hosts. */
    default String transferPath() {
        return null;
    }

    /** Seconds to add to a destination-clock time to put it on the source's clock (from preflight). */
    double destinationClockOffsetSeconds();

    /** Capability: a CRIU page server on the destination receives the dump's pages (streamed, pre-copy). */
    interface WithPageServer {
        /** Starts the CRIU page server on the destination (and the path to it) for the dump's pages. */
        void startPageServer(MigrationRequest r);

        /**
         * After the destination runs: the bytes of memory pages the page server received from the dump (what
         * the link carried in the freeze besides the final copy). Pages of earlier pre-dump rounds are not
         * counted again.
         */
        long pageServerReceived(MigrationRequest r);
    }

    /** Capability: pre-dump rounds while the container runs (pre-copy, hybrid); needs soft-dirty tracking. */
    interface WithPreDump {
        /**
         * A pre-dump round while the container runs: the pages dirtied since the previous round (all pages in
         * round 1) go to the destination. Returns the bytes the round moved. After rounds, the final dump
         * ({@link #dumpAndHold}) sends only what the last round left dirty.
         */
        long preDump(MigrationRequest r, int round);
    }

    /** Capability: the destination restores at once and pulls the pages from the held source (post-copy). */
    interface WithLazyPages {
        /**
         * Before the freeze: everything the lazy restore needs that does not depend on the dump (the path
         * from the destination to the source's page service, the restore options), so the freeze holds
         * only the dump, the final copy and the restore.
         */
        void prepareLazyPages(MigrationRequest r);

        /**
         * Waits until every page has reached the destination. Throws {@link PagesLostException} when the
         * page source, its host or the link died first (the destination copy has then been killed).
         * Returns the bytes pulled.
         */
        long awaitLazyPages(MigrationRequest r);
    }

    /** Capability: the cold fallback where CRIU cannot dump the container. */
    interface WithColdMove {
        /**
         * Stop it cleanly on the source, copy what changed since the pre-sync, boot it on the destination
         * and release the source. If it cannot boot there it is booted on the source again. Returns the
         * source host's clock when it stopped and the destination's when it runs (the downtime).
         */
        MigrationStrategy.Freeze coldMove(MigrationRequest r);
    }
}
