package io.onehaul.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which bytes of an image changed since its reflink snapshot, from extent maps alone. */
class ChangedBlocksTest {
    private static final int SHARED = Extent.SHARED;
    private static final long MIB = 1 << 20;

    private static Extent e(long logical, long physical, long length, int flags) {
        return new Extent(logical, physical, length, flags);
    }

    @Test
    void nothingChangedWhenEveryExtentIsStillSharedAtTheSameAddress() {
        List<Extent> both = List.of(e(0, 100 * MIB, 64 * MIB, SHARED));
        assertEquals(List.of(), ChangedBlocks.since(both, 64 * MIB, both));
    }

    @Test
    void aBlockWrittenSinceHasNewPhysicalBlocksAndIsSent() {
        // recorded on XFS: 3 blocks written at 409600 after cp --reflink of a 64 MiB file
        List<Extent> now = List.of(e(0, 98304, 409600, 8192), e(409600, 67223552, 12288, 0),
                e(421888, 520192, 66686976, 8193));
        List<Extent> base = List.of(e(0, 98304, 409600, 8192), e(409600, 507904, 12288, 0),
                e(421888, 520192, 66686976, 8193));
        assertEquals(List.of(new ByteRange(409600, 12288)), ChangedBlocks.since(now, 64 * MIB, base));
    }

    @Test
    void extentsSplitDifferentlyInTheTwoFilesStillCompareByteByByte() {
        List<Extent> now = List.of(e(0, 1000 * MIB, 2 * MIB, SHARED), e(2 * MIB, 1002 * MIB, 2 * MIB, SHARED));
        List<Extent> base = List.of(e(0, 1000 * MIB, 4 * MIB, SHARED));
        assertEquals(List.of(), ChangedBlocks.since(now, 4 * MIB, base));
    }

    @Test
    void theSameAddressWithoutTheSharedMarkIsNotTrusted() {
        List<Extent> now = List.of(e(0, 100 * MIB, MIB, 0));
        List<Extent> base = List.of(e(0, 100 * MIB, MIB, 0));
        assertEquals(List.of(new ByteRange(0, MIB)), ChangedBlocks.since(now, MIB, base));
    }

    @Test
    void delayedAllocationAndCompressedExtentsCountAsChanged() {
        List<Extent> base = List.of(e(0, 100 * MIB, 8 * MIB, SHARED));
        List<Extent> delalloc = List.of(e(0, 100 * MIB, 8 * MIB, SHARED | 0x4));
        List<Extent> encoded = List.of(e(0, 100 * MIB, 8 * MIB, SHARED | 0x8));
        assertEquals(List.of(new ByteRange(0, 8 * MIB)), ChangedBlocks.since(delalloc, 8 * MIB, base));
        assertEquals(List.of(new ByteRange(0, 8 * MIB)), ChangedBlocks.since(encoded, 8 * MIB, base));
    }

    @Test
    void aHoleInBothIsUnchangedButAHolePunchedOrFilledSinceIsSent() {
        List<Extent> base = List.of(e(0, 100 * MIB, MIB, SHARED), e(10 * MIB, 110 * MIB, MIB, SHARED));
        // the first MiB was discarded (hole now), data was written at 20 MiB (a hole in the snapshot)
        List<Extent> now = List.of(e(10 * MIB, 110 * MIB, MIB, SHARED), e(20 * MIB, 500 * MIB, MIB, 0));
        assertEquals(List.of(new ByteRange(0, MIB), new ByteRange(20 * MIB, MIB)),
                ChangedBlocks.since(now, 32 * MIB, base));
    }

    @Test
    void extentsAllocatedButNeverWrittenReadAsZerosLikeTheHolesTheyFill() {
        // recorded on XFS: ext4 wrote 4 KiB into holes of a sparse image; XFS preallocated unwritten extents around it
        List<Extent> base = List.of(e(0, 100 * MIB, 512 * 1024, SHARED));
        List<Extent> now = List.of(e(0, 100 * MIB, 512 * 1024, SHARED), e(532480, 280084480, 8192, 0),
                e(540672, 37949440, 4096, Extent.UNWRITTEN), e(565248, 37974016, 28672, Extent.UNWRITTEN),
                e(671744, 38080512, 311296, Extent.UNWRITTEN));
        assertEquals(List.of(new ByteRange(532480, 8192)), ChangedBlocks.since(now, 4 * MIB, base));
        // data before, unwritten now (e.g. a range discarded and preallocated again): zeros must be sent
        List<Extent> zeroed = List.of(e(0, 300 * MIB, 512 * 1024, Extent.UNWRITTEN));
        assertEquals(List.of(new ByteRange(0, 512 * 1024)), ChangedBlocks.since(zeroed, 512 * 1024, base));
    }

    @Test
    void rangesCloserThanTheMergeGapGoAsOne() {
        List<Extent> base = List.of(e(0, 100 * MIB, 4 * MIB, SHARED));
        List<Extent> now = List.of(e(0, 900 * MIB, 4096, 0), e(4096, 100 * MIB + 4096, 64 * 1024, SHARED),
                e(4096 + 64 * 1024, 901 * MIB, 4096, 0), e(4096 + 68 * 1024, 100 * MIB + 4096 + 68 * 1024,
                        4 * MIB - 4096 - 68 * 1024, SHARED));
        assertEquals(List.of(new ByteRange(0, 4096 + 68 * 1024)), ChangedBlocks.since(now, 4 * MIB, base));
    }

    @Test
    void onlyTheImagesCurrentSizeCountsAndAGrownTailIsSent() {
        List<Extent> base = List.of(e(0, 100 * MIB, 2 * MIB, SHARED));
        List<Extent> now = List.of(e(0, 100 * MIB, 2 * MIB, SHARED), e(2 * MIB, 300 * MIB, 8 * MIB, 0));
        // extents past the end (speculative preallocation) are not part of the image
        assertEquals(List.of(new ByteRange(2 * MIB, MIB)), ChangedBlocks.since(now, 3 * MIB, base));
    }

    @Test
    void extentMapsParseFromTheHostScriptsOutput() {
        var maps = ExtentMap.parse("file 67108864 /ds/0/7/disk.0\n0 98304 409600 8192\n409600 67223552 12288 0\n"
                + "file 0 /ds/0/7/.migration-snapshots/disk.0\n");
        assertEquals(67108864, maps.get("/ds/0/7/disk.0").size());
        assertEquals(List.of(e(0, 98304, 409600, 8192), e(409600, 67223552, 12288, 0)),
                maps.get("/ds/0/7/disk.0").extents());
        assertEquals(List.of(), maps.get("/ds/0/7/.migration-snapshots/disk.0").extents());
    }
}
