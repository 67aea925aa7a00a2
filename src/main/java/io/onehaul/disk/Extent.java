package io.onehaul.disk;

/**
 * One extent of a file as the kernel's FIEMAP reports it: where the bytes at {@code logical} lie on the
 * device ({@code physical}), for {@code length} bytes, with the FIEMAP_EXTENT_* flags.
 */
public record Extent(long logical, long physical, long length, int flags) {
    /** The bytes are shared with another file (a reflink copy): the mark of a block not written since. */
    public static final int SHARED = 0x2000;
    /** Allocated but never written (preallocation): reads as zeros, exactly as a hole does. */
    public static final int UNWRITTEN = 0x800;
    /** Flags under which the physical address says nothing reliable about the content. */
    static final int UNRELIABLE = 0x2 /* UNKNOWN */ | 0x4 /* DELALLOC */ | 0x8 /* ENCODED */
            | 0x100 /* NOT_ALIGNED */ | 0x200 /* DATA_INLINE */ | 0x400 /* DATA_TAIL */;

    public Extent {
        if (logical < 0 || length <= 0) {
            throw new IllegalArgumentException("extent at " + logical + " of " + length + " bytes");
        }
    }

    long end() {
        return logical + length;
    }

    /** The physical address of a byte inside this extent. */
    long physicalAt(long offset) {
        return physical + (offset - logical);
    }

    boolean readsAsZeros() {
        return (flags & UNWRITTEN) != 0;
    }

    boolean sharedAndReliable() {
        return (flags & SHARED) != 0 && (flags & UNRELIABLE) == 0;
    }
}
