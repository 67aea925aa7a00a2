package io.onehaul.vmm;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static io.onehaul.testsupport.CounterContainer.assertNoMountsLeft;
import static io.onehaul.testsupport.CounterContainer.lxcState;
import static io.onehaul.testsupport.CounterContainer.placeRootDisk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.CounterContainer;
import io.onehaul.testsupport.CounterContainer.Tick;
import io.onehaul.testsupport.DriverHarness;
import io.onehaul.testsupport.OnedColdMigration;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.Proc;
import io.onehaul.testsupport.TestBed;
import io.onehaul.testsupport.TmHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cold migration paths of {@code onevm migrate} (reference §2.3, observed §10.3), in oned's order
 * with oned's argv: type 0 (save on the old host → TM MV lines → CONTEXT → restore on the new host),
 * types 1 and 2 (shutdown or cancel → MV → CONTEXT → deploy). With lxc_live's CRIU save/restore the
 * processes survive even the cold type-0 path.
 */
@Tag("testbed")
class ColdMigrationOnTestBedTest {
    private static final AtomicInteger NEXT_VMID = new AtomicInteger(660);   // 450-469 are the strategies spec's

    @TempDir Path work;
    TestBed tb;
    DriverHarness oned;
    TmHarness tm;
    OnedColdMigration cold;
    final List<TestVm> made = new ArrayList<>();

    @BeforeEach
    void bed() {
        tb = TestBed.get();
        oned = DriverHarness.forTestBed(tb, work);
        cold = new OnedColdMigration(oned, work);
        tm = cold.tm();
    }

    @AfterEach
    void scrub() {
        for (TestVm vm : made) {
            for (String h : tb.hosts()) {
                CounterContainer.scrub(tb, h, vm);
            }
        }
    }

    TestVm runningOnH1() throws Exception {
        int id = NEXT_VMID.getAndIncrement();
        TestVm vm = new TestVm(id, "h1", 100, "", 2, tb.nicBridge(), "10.232.1." + (id % 200 + 10), "/sbin/onehaul-counter");
        made.add(vm.deployed("one-" + id));
        placeRootDisk(tb, vm, true);
        context(vm);
        Proc.Result r = oned.vmm("deploy", List.of("/var/lib/one/vms/" + id + "/deployment.0", "h1"), id, "h1",
                OnedMessages.vm(vm));
        assertEquals(0, r.exit(), r.stderr());
        TestVm running = vm.deployed("one-" + id).onHost("h1", 100, 3);
        advancing(tb, "h1", running);
        return running;
    }

    void context(TestVm vm) {
        cold.context(vm);
    }

    @Test
    void type_0_save_move_restore_keeps_the_processes_alive() throws Exception {
        Proc.Result move = saveMoveRestore("h2");
        assertTrue(move.stderr().contains("transfer path direct: h2 is reachable from h1"), move.stderr());
    }

    @Test
    void type_0_between_providers_moves_the_folder_through_the_front_end() throws Exception {
        Proc.Result move = saveMoveRestore(TestBed.REMOTE);
        assertTrue(move.stderr().contains("transfer path relay: " + TestBed.REMOTE + " is not reachable from h1"),
                move.stderr());
    }

    /** @return the MV line of the VM folder */
    Proc.Result saveMoveRestore(String newHost) throws Exception {
        TestVm vm = runningOnH1();
        Tick before = advancing(tb, "h1", vm);
        OnedColdMigration.Steps steps = cold.saveMoveRestore(vm, newHost);
        TestVm booting = vm.onHost(newHost, 100, 35);
        Proc.Result move = steps.moveFolder();

        assertEquals("RUNNING", lxcState(tb, newHost, vm.deployId()));
        Tick after = advancing(tb, newHost, booting);
        assertEquals(before.bootId(), after.bootId(), "CRIU save/restore: the same processes went on");
        assertTrue(after.count() > before.count());
        assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()));
        assertNoMountsLeft(tb, "h1", vm);
        return move;
    }

    @Test
    void type_1_poweroff_move_deploy_boots_the_container_again_on_the_new_host() throws Exception {
        poweroffPath("shutdown");
    }

    @Test
    void type_2_poweroff_hard_move_deploy_boots_the_container_again_on_the_new_host() throws Exception {
        poweroffPath("cancel");
    }

    void poweroffPath(String stopAction) throws Exception {
        TestVm vm = runningOnH1();
        Tick before = advancing(tb, "h1", vm);
        TestVm target = vm.onHost("h2", 100, 7);
        Proc.Result stop = oned.vmm(stopAction, List.of(vm.deployId(), "h1"), vm.id(), "h1",
                OnedMessages.message(target, "h1", "", 100, "", "", ""));
        assertEquals(0, stop.exit(), stop.stderr());
        cold.moveLines(vm, target);
        TestVm booting = vm.onHost("h2", 100, 2);
        context(booting);
        Proc.Result deploy = oned.vmm("deploy", List.of("/var/lib/one/vms/" + vm.id() + "/deployment.3", "h2"), vm.id(), "h2",
                OnedMessages.vm(booting));
        assertEquals(0, deploy.exit(), deploy.stderr());
        assertEquals(vm.deployId() + "\n", deploy.stdout(), "the deploy id is kept across the move");
        Tick after = advancing(tb, "h2", booting);
        assertNotEquals(before.bootId(), after.bootId(), "a poweroff migration boots the container afresh");
        assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()));
        assertEquals("cold path", tb.execOk("h2", "lxc-attach -n " + vm.deployId()
                + " -- /bin/sh -c '. /context/context.sh; echo $ONEHAUL_CTX' </dev/null 2>/dev/null").stdout().strip(),
                "the CONTEXT the TM wrote is visible in the container");
    }
}
