package io.onehaul.migration;

/** How the dump hands the container's memory pages over. */
public enum MemoryTransport {
    /** Pages are written to image files on the source and copied afterwards (stop-and-copy). */
    LOCAL_IMAGES,
    /** Pages stream from the dump straight to a CRIU page server on the destination (streamed). */
    PAGE_SERVER,
    /** Pages stay on the source and are pulled by the destination after it runs (post-copy, lazy pages). */
    LAZY
}
