package io.onehaul.vmm;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static io.onehaul.testsupport.CounterContainer.assertNoMountsLeft;
import static io.onehaul.testsupport.CounterContainer.lxcState;
import static io.onehaul.testsupport.CounterContainer.placeRootDisk;
import static io.onehaul.testsupport.CounterContainer.tick;
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
import java.nio.charset.StandardCharsets;
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
 * lxc_live's lifecycle actions on real LXC + CRIU, on the namespaced test bed, each called the way
 * one_vmm_exec calls a local action (harness), with the argv and documents a real oned produces.
 */
@Tag("testbed")
class LifecycleOnTestBedTest {
    private static final AtomicInteger NEXT_VMID = new AtomicInteger(200);

    @TempDir Path work;
    TestBed tb;
    DriverHarness oned;
    final List<TestVm> made = new ArrayList<>();

    @BeforeEach
    void bed() {
        tb = TestBed.get();
        oned = DriverHarness.forTestBed(tb, work);
    }

    @AfterEach
    void scrub() {
        for (TestVm vm : made) {
            for (String h : tb.hosts()) {
                CounterContainer.scrub(tb, h, vm);
            }
        }
    }

    TestVm newVm(boolean ext4) {
        int id = NEXT_VMID.getAndIncrement();
        TestVm vm = new TestVm(id, "h1", 100, "", 2, tb.nicBridge(), "10.232.1." + (id % 200 + 10),
                "/sbin/onehaul-counter");
        made.add(vm.deployed("one-" + id));
        placeRootDisk(tb, vm, ext4);
        return vm;
    }

    TestVm deploy(TestVm vm) {
        Proc.Result r = oned.vmm("deploy", List.of("/var/lib/one/vms/" + vm.id() + "/deployment.0", vm.host()),
                vm.id(), vm.host(), OnedMessages.vm(vm));
        assertEquals(0, r.exit(), "deploy failed: " + r.stderr());
        assertEquals("one-" + vm.id() + "\n", r.stdout(), "deploy prints the deploy id and nothing else");
        return vm.deployed("one-" + vm.id()).onHost(vm.host(), vm.datastoreId(), 3);
    }

    Proc.Result onContainer(String action, TestVm vm) {
        return oned.vmm(action, List.of(vm.deployId(), vm.host()), vm.id(), vm.host(), OnedMessages.onHost(vm));
    }

    String checkpoint(TestVm vm) {
        return vm.sysdir() + "/checkpoint";
    }

    Proc.Result save(TestVm vm) {
        return oned.vmm("save", List.of(vm.deployId(), checkpoint(vm), vm.host()), vm.id(), vm.host(),
                OnedMessages.message(vm, vm.host(), "", vm.datastoreId(), checkpoint(vm), "", ""));
    }

    Proc.Result restore(TestVm vm) {
        return oned.vmm("restore", List.of(checkpoint(vm), vm.host(), vm.deployId()), vm.id(), vm.host(),
                OnedMessages.message(vm, vm.host(), "", vm.datastoreId(), checkpoint(vm), "", ""));
    }

    @Test
    void deploy_starts_the_container_from_an_ext4_image_and_its_counter_advances() throws Exception {
        TestVm vm = deploy(newVm(true));
        assertEquals("RUNNING", lxcState(tb, "h1", vm.deployId()));
        advancing(tb, "h1", vm);
        assertEquals("UNDEFINED", lxcState(tb, "h2", vm.deployId()), "nothing appears on the other host");
    }

    @Test
    void deploy_from_a_folder_rootfs_works_too_and_a_second_deploy_changes_nothing() throws Exception {
        TestVm vm = deploy(newVm(false));
        Tick before = advancing(tb, "h1", vm);
        deploy(vm.onHost("h1", 100, 2));
        Tick after = advancing(tb, "h1", vm);
        assertEquals(before.bootId(), after.bootId(), "a retried deploy must not restart a running container");
    }

    @Test
    void save_checkpoints_and_stops_and_restore_continues_the_same_processes() throws Exception {
        TestVm vm = deploy(newVm(true));
        Tick running = advancing(tb, "h1", vm);

        Proc.Result s = save(vm);
        assertEquals(0, s.exit(), s.stderr());
        assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()));
        tb.execOk("h1", "test -f " + checkpoint(vm) + "/inventory.img");
        assertNoMountsLeft(tb, "h1", vm);
        assertEquals(0, save(vm).exit(), "a retried save finds the checkpoint complete and succeeds");

        Proc.Result r = restore(vm);
        assertEquals(0, r.exit(), r.stderr());
        assertEquals("RUNNING", lxcState(tb, "h1", vm.deployId()));
        Tick restored = advancing(tb, "h1", vm);
        assertEquals(running.bootId(), restored.bootId(), "restore must continue the processes, not restart them");
        assertTrue(restored.count() > running.count());
        assertEquals(0, restore(vm).exit(), "a retried restore of a running container succeeds");
        assertEquals(restored.bootId(), advancing(tb, "h1", vm).bootId());
    }

    @Test
    void shutdown_removes_the_container_and_keeps_the_datastore() throws Exception {
        TestVm vm = deploy(newVm(true));
        advancing(tb, "h1", vm);
        Proc.Result r = onContainer("shutdown", vm);
        assertEquals(0, r.exit(), r.stderr());
        assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()));
        assertNoMountsLeft(tb, "h1", vm);
        tb.execOk("h1", "test -f " + vm.sysdir() + "/disk.0");
        assertEquals(0, onContainer("shutdown", vm).exit(), "shutting down a gone container succeeds");
    }

    @Test
    void cancel_kills_the_container_and_keeps_the_datastore() throws Exception {
        TestVm vm = deploy(newVm(false));
        advancing(tb, "h1", vm);
        assertEquals(0, onContainer("cancel", vm).exit());
        assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()));
        tb.execOk("h1", "test -f " + vm.sysdir() + "/disk.0/sbin/onehaul-counter");
        assertEquals(0, onContainer("cancel", vm).exit());
    }

    @Test
    void reboot_and_reset_restart_the_init_with_a_new_boot() throws Exception {
        TestVm vm = deploy(newVm(true));
        Tick first = advancing(tb, "h1", vm);
        Proc.Result reboot = onContainer("reboot", vm);
        assertEquals(0, reboot.exit(), reboot.stderr());
        Tick afterReboot = waitForNewBoot(vm, first.bootId());
        Proc.Result reset = onContainer("reset", vm);
        assertEquals(0, reset.exit(), reset.stderr());
        waitForNewBoot(vm, afterReboot.bootId());
        assertEquals("RUNNING", lxcState(tb, "h1", vm.deployId()));
    }

    Tick waitForNewBoot(TestVm vm, String oldBoot) throws InterruptedException {
        for (int i = 0; i < 60; i++) {
            Thread.sleep(250);
            try {
                Tick t = tick(tb, "h1", vm);
                if (!t.bootId().equals(oldBoot)) {
                    return advancing(tb, "h1", vm);
                }
            } catch (AssertionError | RuntimeException notYet) {
                // /tick may be briefly absent while init restarts
            }
        }
        throw new AssertionError("no new boot after reboot/reset");
    }

    @Test
    void malformed_argv_or_stdin_is_refused_clearly_and_changes_nothing() throws Exception {
        TestVm vm = deploy(newVm(true));
        Tick before = advancing(tb, "h1", vm);
        String msg = OnedMessages.onHost(vm);

        Proc.Result tooFew = oned.vmmRaw("shutdown", List.of(vm.deployId()), vm.id() + "", DriverHarness.encode(msg));
        assertEquals(2, tooFew.exit());
        assertTrue(tooFew.stderr().contains("shutdown expects 4 arguments"), tooFew.stderr());

        Proc.Result notBase64 = oned.vmmRaw("cancel", List.of(vm.deployId(), "h1"), vm.id() + " h1",
                "%%% not base64 %%%".getBytes(StandardCharsets.UTF_8));
        assertEquals(2, notBase64.exit());
        assertTrue(notBase64.stderr().contains("bad input"), notBase64.stderr());

        Proc.Result notXml = oned.vmmRaw("cancel", List.of(vm.deployId(), "h1"), vm.id() + " h1",
                DriverHarness.encode("<VMM_DRIVER_ACTION_DATA><HOST>h1"));
        assertEquals(2, notXml.exit());

        Proc.Result otherVm = oned.vmmRaw("cancel", List.of(vm.deployId(), "h1"), (vm.id() + 1) + " h1",
                DriverHarness.encode(msg));
        assertEquals(2, otherVm.exit(), "argv and stdin naming different VMs is refused");

        Proc.Result hostile = oned.vmmRaw("cancel", List.of("one-1; touch /tmp/onehaul-pwned", "h1"), vm.id() + " h1",
                DriverHarness.encode(msg));
        assertEquals(2, hostile.exit());
        assertEquals(1, Proc.sh("test -e /tmp/onehaul-pwned", 5).exit());

        Tick after = advancing(tb, "h1", vm);
        assertEquals(before.bootId(), after.bootId(), "the container was not touched");
        assertEquals("RUNNING", lxcState(tb, "h1", vm.deployId()));
    }

    @Test
    void a_failure_is_one_plain_reason_line_for_oned_and_leaves_nothing_half_done() {
        TestVm vm = newVm(true);
        tb.execOk("h1", "rm -f " + vm.sysdir() + "/disk.0");
        Proc.Result r = oned.vmm("deploy", List.of("/var/lib/one/vms/" + vm.id() + "/deployment.0", "h1"), vm.id(),
                "h1", OnedMessages.vm(vm));
        assertEquals(2, r.exit());
        List<String> plain = r.stderr().lines().filter(l -> !l.matches("^(INFO|ERROR|WARN|DEBUG):.*")).toList();
        assertEquals(1, plain.size(), "exactly one untagged line becomes oned's FAILURE text: " + r.stderr());
        assertTrue(plain.get(0).contains("disk 0"), plain.get(0));
        assertEquals("UNDEFINED", lxcState(tb, "h1", "one-" + vm.id()));
        assertNotEquals("", r.stderr());
    }
}
