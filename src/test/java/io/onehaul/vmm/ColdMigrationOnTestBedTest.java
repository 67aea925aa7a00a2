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
    private static final int IMAGE_DS = 1;

    @TempDir Path work;
    TestBed tb;
    DriverHarness oned;
    TmHarness tm;
    final List<TestVm> made = new ArrayList<>();

    @BeforeEach
    void bed() {
        tb = TestBed.get();
        oned = DriverHarness.forTestBed(tb, work);
        tm = new TmHarness(oned, work.resolve("var"));
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

    /** The CONTEXT TM_COMMAND oned runs before deploy and restore: context.sh on the front-end → disk.2. */
    void context(TestVm vm) throws Exception {
        Path ctx = work.resolve("vms/" + vm.id() + "/context.sh");
        Files.createDirectories(ctx.getParent());
        Files.writeString(ctx, "SET_HOSTNAME='counter-" + vm.id() + "'\nONEHAUL_CTX='cold path'\n");
        Proc.Result r = tm.line("context", ctx.toString(), vm.host() + ":" + vm.sysdir() + "/disk.2",
                Integer.toString(vm.id()), Integer.toString(vm.datastoreId()));
        assertEquals(0, r.exit(), "tm context: " + r.stderr());
    }

    /** The transfer.N.migrate file: one MV per non-context disk (image DS id), then the VM folder. */
    Proc.Result moveLines(TestVm from, TestVm to) {
        Proc.Result disk = tm.line("mv", from.host() + ":" + from.sysdir() + "/disk.0", to.host() + ":" + to.sysdir()
                + "/disk.0", Integer.toString(to.id()), Integer.toString(IMAGE_DS));
        assertEquals(0, disk.exit(), "MV disk.0: " + disk.stderr());
        Proc.Result dir = tm.line("mv", from.host() + ":" + from.sysdir(), to.host() + ":" + to.sysdir(),
                Integer.toString(to.id()), Integer.toString(to.datastoreId()));
        assertEquals(0, dir.exit(), "MV folder: " + dir.stderr());
        return dir;
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
        TestVm target = vm.onHost(newHost, 100, 7);
        String ck = vm.sysdir() + "/checkpoint";

        // SAVE_MIGRATE: save on the old host; the message's VM already carries the new history record.
        Proc.Result save = oned.vmm("save", List.of(vm.deployId(), ck, "h1"), vm.id(), "h1",
                OnedMessages.message(target, "h1", "", 100, ck, "", ""));
        assertEquals(0, save.exit(), save.stderr());
        assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()));
        // PROLOG_MIGRATE
        Proc.Result move = moveLines(vm, target);
        assertEquals(1, tb.exec("h1", "test -e " + vm.sysdir()).exit(), "the VM folder left h1");
        // BOOT_MIGRATE: CONTEXT, then restore on the new host.
        TestVm booting = vm.onHost(newHost, 100, 35);
        context(booting);
        Proc.Result restore = oned.vmm("restore", List.of(ck, newHost, vm.deployId()), vm.id(), newHost,
                OnedMessages.message(booting, newHost, "", 100, ck, "CONTEXT onehaul ...", vm.sysdir() + "/disk.2"));
        assertEquals(0, restore.exit(), restore.stderr());

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
        moveLines(vm, target);
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
