package io.onehaul.vmm;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static io.onehaul.testsupport.CounterContainer.assertNoMountsLeft;
import static io.onehaul.testsupport.CounterContainer.lxcState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.CounterContainer.Tick;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.OnedMigrationHarness;
import io.onehaul.testsupport.OnedMigrationHarness.Outcome;
import io.onehaul.testsupport.Proc;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code onevm migrate --live} end to end on real LXC + CRIU between two namespaced hosts, driven in
 * oned's order with oned's argv and stdin (OnedMigrationHarness): the container's processes go on
 * on the destination, and every failure leaves it running on the source.
 */
@Tag("testbed")
class LiveMigrationOnTestBedTest extends ContainersOnTestBed {
    private static final AtomicInteger NEXT_VMID = new AtomicInteger(400);


    TestVm runningOnH1(boolean ext4) throws Exception {
        return deployOnH1(counterVmOnH1(NEXT_VMID.getAndIncrement(), ext4));
    }

    @Test
    void a_running_container_moves_to_h2_and_its_processes_go_on() throws Exception {
        TestVm vm = runningOnH1(true);
        tb.execOk("h1", "echo written-before-the-move > " + vm.sysdir() + "/mapper/disk.0/root/note");
        Tick before = advancing(tb, "h1", vm);

        Outcome out = migrate.liveMigrate(vm, vm.onHost("h2", 100, 3));

        assertEquals("MIGRATE SUCCESS " + vm.id() + " -", out.reply(), out.allStderr());
        TestVm moved = vm.onHost("h2", 100, 3);
        assertEquals("RUNNING", lxcState(tb, "h2", vm.deployId()));
        Tick after = advancing(tb, "h2", moved);
        assertEquals(before.bootId(), after.bootId(), "same processes: the boot id did not change");
        assertTrue(after.count() > before.count(), "the counter continued instead of restarting");
        assertEquals("written-before-the-move", tb.execOk("h2", "cat " + moved.sysdir() + "/mapper/disk.0/root/note")
                .stdout().strip());
        assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()), "no copy left on the source");
        assertNoMountsLeft(tb, "h1", vm);
        // "auto": a container this small streams well within the 2 s target
        assertTrue(out.allStderr().contains("migration success: streamed h1 -> h2, freeze"), out.allStderr());
        assertTrue(out.allStderr().contains("strategy streamed: auto: the safest strategy expected to meet"), out.allStderr());
        String report = Files.readString(oned.logDir().resolve("onehaul-migrations.jsonl"));
        assertTrue(report.contains("\"result\":\"success\"") && report.contains("\"freezeSeconds\":"), report);
    }

    @Test
    void a_folder_rootfs_moves_too_and_back_again() throws Exception {
        TestVm vm = runningOnH1(false);
        Tick before = advancing(tb, "h1", vm);
        Outcome there = migrate.liveMigrate(vm, vm.onHost("h2", 100, 3));
        assertTrue(there.success(), there.allStderr());
        TestVm onH2 = vm.onHost("h2", 100, 3);
        Outcome back = migrate.liveMigrate(onH2, onH2.onHost("h1", 100, 3));
        assertTrue(back.success(), back.allStderr());
        Tick after = advancing(tb, "h1", vm);
        assertEquals(before.bootId(), after.bootId());
        assertEquals("UNDEFINED", lxcState(tb, "h2", vm.deployId()));
    }

    @Test
    void a_dump_that_criu_refuses_leaves_the_container_running_on_the_source() throws Exception {
        TestVm vm = runningOnH1(true);
        // A process with a file open on a path outside any mount CRIU knows makes the dump fail for real:
        // lxc-attach leaks the host's /dev/null (fd 10) into the process (shared notes).
        tb.execOk("h1", "lxc-attach -n " + vm.deployId() + " -- /bin/sh -c 'sleep 100000 &' 10</dev/null; sleep 0.5");
        Tick before = advancing(tb, "h1", vm);

        Outcome out = migrate.liveMigrate(vm, vm.onHost("h2", 100, 3));

        assertFalse(out.success(), "the dump must fail: " + out.allStderr());
        assertTrue(out.reply().contains("still running on h1"), out.reply());
        // the VM's error is CRIU's own reason (here the attached process's session leader lives outside the
        // container), not its harmless first error line (RLIMIT_NOFILE)
        assertTrue(out.reply().contains("CRIU dump of " + vm.deployId() + " failed: Error (criu/"), out.reply());
        assertTrue(out.reply().contains("outside of its pid namespace"), out.reply());
        assertFalse(out.reply().contains("RLIMIT_NOFILE"), out.reply());
        assertEquals("RUNNING", lxcState(tb, "h1", vm.deployId()));
        Tick after = advancing(tb, "h1", vm);
        assertEquals(before.bootId(), after.bootId(), "the source went on, it did not restart");
        assertEquals("UNDEFINED", lxcState(tb, "h2", vm.deployId()));
        assertEquals(1, tb.exec("h2", "test -e " + vm.sysdir()).exit(), "no partial copy left on h2");
    }

    @Test
    void where_the_operator_allows_it_a_container_criu_cannot_dump_moves_cold_and_the_vm_log_says_so() throws Exception {
        TestVm vm = runningOnH1(true);
        OnedMessages.userAttribute(vm.id(), "ONEHAUL_COLD_FALLBACK", "yes");
        tb.execOk("h1", "lxc-attach -n " + vm.deployId() + " -- /bin/sh -c 'sleep 100000 &' 10</dev/null; sleep 0.5");
        tb.execOk("h1", "echo written-before-the-move > " + vm.sysdir() + "/mapper/disk.0/root/note");
        Tick before = advancing(tb, "h1", vm);

        Outcome out = migrate.liveMigrate(vm, vm.onHost("h2", 100, 3));

        assertEquals("MIGRATE SUCCESS " + vm.id() + " -", out.reply(), out.allStderr());
        TestVm moved = vm.onHost("h2", 100, 3);
        assertEquals("RUNNING", lxcState(tb, "h2", vm.deployId()));
        assertFalse(before.bootId().equals(advancing(tb, "h2", moved).bootId()), "a cold move restarts the processes");
        assertEquals("written-before-the-move", tb.execOk("h2", "cat " + moved.sysdir() + "/mapper/disk.0/root/note")
                .stdout().strip(), "the disk came along, flushed");
        assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()), "exactly one copy runs");
        assertTrue(out.allStderr().contains("COLD MOVE of " + vm.deployId() + ": CRIU cannot dump it"), out.allStderr());
        assertTrue(out.allStderr().contains("migration success: cold h1 -> h2"), out.allStderr());
    }

    @Test
    void a_restore_that_fails_on_the_destination_resumes_the_frozen_source() throws Exception {
        TestVm vm = runningOnH1(true);
        Tick before = advancing(tb, "h1", vm);
        // A real conflict pre-flight does not look for: the container's veth name is taken on h2, so
        // LXC cannot create the NIC when CRIU restores.
        tb.execOk("h2", "ip link add one-" + vm.id() + "-0 type bridge");
        try {
            Outcome out = migrate.liveMigrate(vm, vm.onHost("h2", 100, 3));
            assertFalse(out.success(), out.allStderr());
            assertTrue(out.reply().contains("still running on h1"), out.reply());
        } finally {
            tb.exec("h2", "ip link del one-" + vm.id() + "-0");
        }
        assertEquals("RUNNING", lxcState(tb, "h1", vm.deployId()));
        Tick after = advancing(tb, "h1", vm);
        assertEquals(before.bootId(), after.bootId());
        assertEquals("UNDEFINED", lxcState(tb, "h2", vm.deployId()));
        assertNoMountsLeft(tb, "h2", vm.onHost("h2", 100, 3));
    }

    @Test
    void a_destination_that_goes_away_after_the_dump_leaves_the_source_running() throws Exception {
        TestVm vm = runningOnH1(true);
        Tick before = advancing(tb, "h1", vm);
        // Down h2's link (its veth in the front-end's namespace) as soon as the source is frozen.
        String dumped = vm.sysdir() + "/.migration/dumped";
        Thread cutter = new Thread(() -> {
            for (int i = 0; i < 1200; i++) {
                if (tb.exec("h1", "test -f " + dumped).exit() == 0) {
                    Proc.sh("ip link set vohtb-h2 down", 10);
                    return;
                }
            }
        });
        cutter.start();
        try {
            Outcome out = migrate.liveMigrate(vm, vm.onHost("h2", 100, 3));
            assertFalse(out.success(), out.allStderr());
            assertTrue(out.reply().contains("still running on h1"), out.reply());
        } finally {
            cutter.join();
            Proc.sh("ip link set vohtb-h2 up", 10);
        }
        assertEquals("RUNNING", lxcState(tb, "h1", vm.deployId()));
        Tick after = advancing(tb, "h1", vm);
        assertEquals(before.bootId(), after.bootId(), "the source went on after the hold was aborted");
    }

    @Test
    void preflight_refuses_a_destination_without_the_bridge_and_changes_nothing() throws Exception {
        TestVm vm = runningOnH1(true);
        String other = "onebrX" + (vm.id() % 10);
        TestVm onOtherBridge = new TestVm(vm.id(), "h2", 100, vm.deployId(), 3, other, vm.ip(), vm.initCmd());
        Outcome out = migrate.liveMigrate(vm, onOtherBridge);
        assertFalse(out.success());
        assertTrue(out.reply().contains("bridge(s) " + other + " missing on h2"), out.reply());
        assertEquals("RUNNING", lxcState(tb, "h1", vm.deployId()));
        assertEquals(1, tb.exec("h2", "test -e " + vm.sysdir() + "/disk.0").exit(), "nothing was copied");
    }
}
