package io.onehaul.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.criu.HeldDump;
import io.onehaul.criu.HoldLease;
import io.onehaul.testsupport.LocalShell;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link StaleHold} reads from a work folder a dead driver left, read by its own shell line. */
class StaleHoldProbeTest {
    @TempDir Path work;

    private StaleHold.Found probe() {
        return StaleHold.Found.parse(new LocalShell().run(StaleHold.probeCommand(work.toString()),
                java.time.Duration.ofSeconds(10)).stdout());
    }

    @Test
    void no_work_folder_is_nothing_to_resolve() {
        StaleHold.Found f = StaleHold.Found.parse(new LocalShell().run(StaleHold.probeCommand(work + "/none"),
                java.time.Duration.ofSeconds(10)).stdout());
        assertFalse(f.present());
    }

    @Test
    void a_hold_before_the_restore_with_its_driver_gone() throws Exception {
        Files.writeString(work.resolve("dump-start"), "1.0\n");
        Files.writeString(work.resolve("destination"), "h2 /var/lib/one/datastores/100/7\n");
        Files.writeString(work.resolve(HoldLease.FILE), "999999999\n");
        StaleHold.Found f = probe();
        assertTrue(f.present() && f.started());
        assertFalse(f.leaseAlive(), "a pid that is no lease command is no driver");
        assertFalse(f.restoreMayHaveBegun());
        assertEquals("", f.decision());
        assertEquals("h2", f.destinationHost());
        assertEquals("/var/lib/one/datastores/100/7", f.destinationFolder());
    }

    @Test
    void a_lease_lost_says_the_restore_never_began() throws Exception {
        Files.writeString(work.resolve("dump-start"), "1.0\n");
        Files.writeString(work.resolve(HoldLease.LOST), "999999999\n");
        Files.writeString(work.resolve("decision"), "abort-lease-lost\n");
        StaleHold.Found f = probe();
        assertFalse(f.restoreMayHaveBegun());
        assertEquals("abort-lease-lost", f.decision());
    }

    @Test
    void a_restore_begun_may_have_a_copy_on_the_destination() throws Exception {
        Files.writeString(work.resolve("dump-start"), "1.0\n");
        Files.writeString(work.resolve(HoldLease.RESTORE_BEGUN), "999999999\n");
        assertTrue(probe().restoreMayHaveBegun());
        assertFalse(probe().lazy());
    }

    @Test
    void a_lazy_dump_may_have_a_copy_on_the_destination_whatever_its_lease_says() throws Exception {
        Files.writeString(work.resolve("dump-start"), "1.0\n");
        Files.writeString(work.resolve(HeldDump.SERVES_PAGES_FILE), "");
        Files.writeString(work.resolve(HoldLease.FILE), "999999999\n");
        StaleHold.Found f = probe();
        assertTrue(f.lazy());
        assertTrue(f.restoreMayHaveBegun(), "its restore begins with no mark");
        assertFalse(f.leaseAlive());
    }

    @Test
    void a_lazy_dump_whose_driver_lives_is_seen_as_in_progress() throws Exception {
        Files.writeString(work.resolve("dump-start"), "1.0\n");
        Files.writeString(work.resolve(HeldDump.SERVES_PAGES_FILE), "");
        HoldLease lease = HoldLease.take(new LocalShell(), work.toString());
        try {
            assertTrue(probe().leaseAlive(), "a second action on the host sees the migration in flight");
        } finally {
            lease.release();
        }
    }

    @Test
    void a_living_driver_is_seen_through_its_lease_command() throws Exception {
        Files.writeString(work.resolve("dump-start"), "1.0\n");
        HoldLease lease = HoldLease.take(new LocalShell(), work.toString());
        try {
            assertTrue(probe().leaseAlive());
            HoldLease.markRestoreBegun(new LocalShell(), work.toString());
            assertTrue(probe().leaseAlive(), "after the rename too");
        } finally {
            lease.release();
        }
        assertFalse(probe().leaseAlive());
    }
}
