package io.onehaul.vmm;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static io.onehaul.testsupport.CounterContainer.lxcState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.OnedMigrationHarness.Outcome;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The root disk image goes by changed blocks (the test bed's datastores are XFS, with reflinks): a process
 * that keeps rewriting and re-reading a file on it through the whole migration finds every block it wrote
 * on the destination, the freeze sends only the blocks written since the pre-sync, and no snapshot is
 * left behind, whether the move succeeds or is rolled back.
 */
@Tag("testbed")
class DiskDeltaMigrationOnTestBedTest extends ContainersOnTestBed {
    private static final AtomicInteger NEXT_VMID = new AtomicInteger(470);
    static Path writer;


    @BeforeAll
    static void workload() throws Exception {
        writer = buildWorkload("writer.c", "-pthread");
    }

    /** An ext4-image container on h1 running the writer: 16 MiB of memory and a 4 MiB file rewritten and verified. */
    TestVm writingOnH1(String strategy) throws Exception {
        int id = NEXT_VMID.getAndIncrement();
        OnedMessages.userAttribute(id, "ONEHAUL_MIGRATION_STRATEGIES", strategy);
        OnedMessages.memoryMb(id, 256);
        TestVm running = deployOnH1(counterVmOnH1(id, true));
        tb.execOk("h1", "cp " + writer + " " + running.sysdir() + "/mapper/disk.0/writer");
        tb.execOk("h1", "lxc-attach -n one-" + id + " -- /bin/sh -c 'WRITER_DISK_MIB=4 setsid /writer 16 5 "
                + "</dev/null >/dev/null 2>&1 &'");
        awaitRounds("h1", running, 5);
        return running;
    }

    /** The writer's status (ready, rounds, errors, ...) as a list of words. */
    List<String> status(String host, TestVm vm) {
        return List.of(tb.execOk(host, "cat " + vm.sysdir() + "/mapper/disk.0/workload.stat 2>/dev/null || true").stdout()
                .strip().split("\\s+"));
    }

    long field(List<String> status, String name) {
        int i = status.indexOf(name);
        return i < 0 ? -1 : (long) Double.parseDouble(status.get(i + 1));
    }

    /** Waits until the writer did {@code more} verification rounds on {@code host}; returns its status. */
    List<String> awaitRounds(String host, TestVm vm, int more) throws InterruptedException {
        long first = -1;
        List<String> s = List.of();
        for (int i = 0; i < 150; i++) {
            s = status(host, vm);
            long rounds = field(s, "rounds");
            if (rounds >= 0 && first < 0) {
                first = rounds;
            }
            if (first >= 0 && rounds >= first + more) {
                return s;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the writer made no progress on " + host + ": " + s);
    }

    @Test
    void a_disk_written_throughout_the_move_arrives_whole_and_only_its_changed_blocks_are_sent_in_the_freeze()
            throws Exception {
        TestVm vm = writingOnH1("stop-and-copy");

        Outcome out = migrate.liveMigrate(vm, vm.onHost("h2", 100, 3));

        assertEquals("MIGRATE SUCCESS " + vm.id() + " -", out.reply(), out.allStderr());
        TestVm moved = vm.onHost("h2", 100, 3);
        advancing(tb, "h2", moved);
        List<String> after = awaitRounds("h2", moved, 10);
        assertEquals(0, field(after, "errors"), "blocks or pages read wrong after the move: " + after);
        String log = out.allStderr();
        assertTrue(log.matches("(?s).*disk\\.0: [0-9.]+ MiB of 64\\.0 MiB written since the pre-sync.*"), log);
        assertFalse(log.contains("cannot share blocks"), log);
        assertEquals("gone", tb.exec("h1", "test -e " + vm.sysdir() + "/" + VmFolderSync.SNAPSHOTS + " || echo gone")
                .stdout().strip());
    }

    @Test
    void post_copy_carries_the_disk_delta_too() throws Exception {
        TestVm vm = writingOnH1("post-copy");

        Outcome out = migrate.liveMigrate(vm, vm.onHost("h2", 100, 3));

        assertTrue(out.success(), out.allStderr());
        TestVm moved = vm.onHost("h2", 100, 3);
        List<String> after = awaitRounds("h2", moved, 10);
        assertEquals(0, field(after, "errors"), after.toString());
        assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()));
    }

    @Test
    void a_rolled_back_move_leaves_no_snapshot_and_the_writer_goes_on_on_the_source() throws Exception {
        TestVm vm = writingOnH1("stop-and-copy");
        tb.execOk("h2", "ip link add one-" + vm.id() + "-0 type bridge");   // the restore cannot make the NIC
        try {
            Outcome out = migrate.liveMigrate(vm, vm.onHost("h2", 100, 3));
            assertFalse(out.success(), out.allStderr());
        } finally {
            tb.exec("h2", "ip link del one-" + vm.id() + "-0");
        }
        List<String> after = awaitRounds("h1", vm, 10);
        assertEquals(0, field(after, "errors"), after.toString());
        assertEquals("gone", tb.exec("h1", "test -e " + vm.sysdir() + "/" + VmFolderSync.SNAPSHOTS + " || echo gone")
                .stdout().strip());
    }
}
