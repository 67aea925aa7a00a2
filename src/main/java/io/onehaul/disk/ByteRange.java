package io.onehaul.disk;

/** A run of bytes in a file: the unit the changed blocks are sent in. */
public record ByteRange(long offset, long length) {
    public ByteRange {
        if (offset < 0 || length <= 0) {
            throw new IllegalArgumentException("range at " + offset + " of " + length + " bytes");
        }
    }

    public long end() {
        return offset + length;
    }
}
