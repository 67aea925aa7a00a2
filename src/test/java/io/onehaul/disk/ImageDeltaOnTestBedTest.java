package io.onehaul.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.config.OneHaulConfig;
import io.onehaul.host.HostException;
import io.onehaul.testsupport.TestBed;
import io.onehaul.testsupport.TestBedShell;
import io.onehaul.transfer.DirectRsync;
import io.onehaul.transfer.TransferBudget;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Disk images copied by changed blocks between two test-bed hosts whose datastores are XFS: the
 * destination ends up byte for byte equal to the source, and only what was written since the
 * snapshot crosses the link.
 */
@Tag("testbed")
class ImageDeltaOnTestBedTest {
    private static final String FOLDER = "/var/lib/one/datastores/0/990";
    private static final String SNAPSHOTS = FOLDER + "/.snapshots";
    private static final long MIB = 1 << 20;
    private TestBed tb;
    private TestBedShell h1;
    private TestBedShell h2;

    @BeforeEach
    void up() {
        tb = TestBed.get();
        h1 = new TestBedShell(tb, "h1");
        h2 = new TestBedShell(tb, "h2");
        scrub();
        tb.execOk("h1", "mkdir -p " + FOLDER + " && head -c 64M /dev/urandom > " + FOLDER + "/disk.0"
                + " && head -c 1M /dev/urandom > " + FOLDER + "/disk.1");
        tb.execOk("h2", "mkdir -p " + FOLDER);
    }

    @AfterEach
    void scrub() {
        if (tb == null) {
            return; // skipped: no test bed here
        }
        for (String h : List.of("h1", "h2")) {
            tb.exec(h, "rm -rf " + FOLDER + " /var/tmp/one/990");
        }
    }

    private ImageDelta delta(String folder, String snapshots) {
        OneHaulConfig c = OneHaulConfig.of(Map.of(), java.nio.file.Path.of("/root"));
        return new ImageDelta(h1, new DirectRsync(c.transferSsh(), c.transferRemoteRsync()), folder, snapshots, "h2",
                FOLDER, new TransferBudget(0, 0, Duration.ofSeconds(60)));
    }

    private String sum(String host, String file) {
        return tb.execOk(host, "sha256sum < " + file).stdout().strip();
    }

    @Test
    void only_the_blocks_written_since_the_snapshot_cross_and_the_copy_is_identical() {
        ImageDelta d = delta(FOLDER, SNAPSHOTS);
        assertEquals("", d.snapshot(), "XFS shares blocks");
        assertEquals(List.of("disk.0"), d.images(), "images below " + ImageDelta.MIN_IMAGE_MIB + " MiB are left to rsync");
        assertTrue(d.sendSnapshots(1) >= 64 * MIB);

        // written after the snapshot: scattered 4 KiB blocks, a 1 MiB run, and the image grows by 2 MiB
        tb.execOk("h1", "for o in 3 777 9001 15000; do head -c 4096 /dev/urandom | dd of=" + FOLDER
                + "/disk.0 bs=4096 seek=$o conv=notrunc status=none; done; head -c 1M /dev/urandom | dd of=" + FOLDER
                + "/disk.0 bs=1M seek=40 conv=notrunc status=none; truncate -s 66M " + FOLDER + "/disk.0");
        long sent = d.sendChanges("sync");

        assertEquals(sum("h1", FOLDER + "/disk.0"), sum("h2", FOLDER + "/disk.0"));
        assertEquals("69206016", tb.execOk("h2", "stat -c %s " + FOLDER + "/disk.0").stdout().strip());
        assertTrue(sent >= MIB + 4 * 4096 && sent <= 3 * MIB, "sent " + sent + " bytes for ~1 MiB written");
        d.discard();
        assertEquals("gone", tb.exec("h1", "test -e " + SNAPSHOTS + " || echo gone").stdout().strip());
    }

    @Test
    void a_sparse_image_sends_its_data_not_its_holes_and_arrives_identical_and_sparse() {
        // 256 MiB image holding 8 MiB: 4 MiB at the start, 4 MiB at 200 MiB, holes elsewhere
        tb.execOk("h1", "rm -f " + FOLDER + "/disk.0 && truncate -s 256M " + FOLDER + "/disk.0"
                + " && head -c 4M /dev/urandom | dd of=" + FOLDER + "/disk.0 conv=notrunc status=none"
                + " && head -c 4M /dev/urandom | dd of=" + FOLDER + "/disk.0 bs=1M seek=200 conv=notrunc status=none");
        tb.execOk("h2", "head -c 3M /dev/urandom > " + FOLDER + "/disk.0");   // an earlier attempt's leftover
        ImageDelta d = delta(FOLDER, SNAPSHOTS);
        assertEquals("", d.snapshot());

        long sent = d.sendSnapshots(1);

        assertTrue(sent >= 8 * MIB && sent <= 9 * MIB, "sent " + sent + " bytes for 8 MiB of data in 256 MiB");
        assertEquals(sum("h1", FOLDER + "/disk.0"), sum("h2", FOLDER + "/disk.0"));
        long allocatedKib = Long.parseLong(tb.execOk("h2", "du -k " + FOLDER + "/disk.0 | cut -f1").stdout().strip());
        assertTrue(allocatedKib < 16 * 1024, "the copy stays sparse: " + allocatedKib + " KiB allocated");
    }

    @Test
    void a_shrunk_image_and_nothing_written_are_copied_right_too() {
        ImageDelta d = delta(FOLDER, SNAPSHOTS);
        d.snapshot();
        d.sendSnapshots(1);
        assertEquals(0, d.sendChanges("sync"), "nothing written, nothing sent");
        tb.execOk("h1", "truncate -s 32M " + FOLDER + "/disk.0");
        d.sendChanges("sync");
        assertEquals(sum("h1", FOLDER + "/disk.0"), sum("h2", FOLDER + "/disk.0"));
    }

    @Test
    void a_datastore_without_reflinks_says_why_and_leaves_the_images_to_rsync() {
        tb.execOk("h1", "mkdir -p /var/tmp/one/990 && head -c 20M /dev/zero > /var/tmp/one/990/disk.0");
        ImageDelta d = delta("/var/tmp/one/990", "/var/tmp/one/990/.snapshots");
        String why = d.snapshot();
        assertTrue(why.contains("cannot share blocks"), why);
        assertEquals(List.of(), d.excludes());
        assertEquals(0, d.sendChanges("sync"));
        assertEquals("gone", tb.exec("h1", "test -e /var/tmp/one/990/.snapshots || echo gone").stdout().strip(),
                "no half-made snapshot folder is left");
    }

    @Test
    void a_destination_that_cannot_take_the_blocks_fails_the_copy_with_its_reason() {
        ImageDelta d = delta(FOLDER, SNAPSHOTS);
        d.snapshot();
        d.sendSnapshots(1);
        tb.execOk("h1", "head -c 4096 /dev/urandom | dd of=" + FOLDER + "/disk.0 bs=4096 seek=5 conv=notrunc status=none");
        tb.execOk("h2", "rm -f " + FOLDER + "/disk.0");
        HostException e = assertThrows(HostException.class, () -> d.sendChanges("sync"));
        assertTrue(e.getMessage().contains("disk.0: No such file or directory"), e.getMessage());
    }
}
