package io.onehaul.migration;

/**
 * What CRIU and the kernels of BOTH hosts support, and what pre-flight measured: a strategy is only
 * chosen where both ends can run it.
 *
 * @param dirtyTracking       soft-dirty bits ({@code criu check --feature mem_dirty_track}): pre-dump rounds
 * @param lazyPages           userfaultfd for CRIU ({@code uffd-noncoop}) and a pipe size lazy pages can use
 * @param pageServer          CRIU can stream pages to a page server on the destination
 * @param linkBytesPerSecond  source→destination throughput measured at pre-flight; 0 when not measured
 * @param memoryBytes         memory the container uses on the source (its cgroup); 0 when unknown
 * @param missing             why a feature is missing, for the report ("uffd-noncoop on h2", ...)
 * @param dirtyBytesPerSecond how fast the container writes its memory (soft-dirty, at pre-flight); -1 unknown
 */
public record HostFeatures(boolean dirtyTracking, boolean lazyPages, boolean pageServer, long linkBytesPerSecond,
                           long memoryBytes, String missing, long dirtyBytesPerSecond) {

    /** Nothing known of how fast the container writes. */
    public HostFeatures(boolean dirtyTracking, boolean lazyPages, boolean pageServer, long linkBytesPerSecond,
                        long memoryBytes, String missing) {
        this(dirtyTracking, lazyPages, pageServer, linkBytesPerSecond, memoryBytes, missing, -1);
    }

    /** The same hosts, with the container's dirty rate measured. */
    public HostFeatures withDirtyRate(long bytesPerSecond) {
        return new HostFeatures(dirtyTracking, lazyPages, pageServer, linkBytesPerSecond, memoryBytes, missing,
                bytesPerSecond);
    }

    /** Stop-and-copy and a page server, nothing measured. */
    public static final HostFeatures BASIC = new HostFeatures(false, false, true, 0, 0, "");

    /** Why both hosts cannot support {@code c}, or null where they can. */
    public String lacks(Capability c) {
        return switch (c) {
            case PAGE_SERVER -> pageServer ? null : "no CRIU page server";
            case PRE_DUMP -> !dirtyTracking ? "no soft-dirty tracking (mem_dirty_track)"
                    : pageServer ? null : "no CRIU page server (the rounds send their pages to one)";
            case LAZY_PAGES -> lazyPages ? null : "no lazy pages (" + (missing.isEmpty() ? "not supported on both hosts" : missing) + ")";
            case COLD_MOVE -> null;
        };
    }
}
