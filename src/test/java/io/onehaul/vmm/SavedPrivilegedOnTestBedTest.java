package io.onehaul.vmm;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static io.onehaul.testsupport.CounterContainer.lxcState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.DriverHarness;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.Proc;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint comes back with the ids its processes had. One of a privileged container (saved with
 * LXC_UNPRIVILEGED = "no", or by a OneHaul from before unprivileged containers, when every container was
 * privileged and no VM said so) is restored privileged where the operator allows it, and refused with the
 * setting named, nothing changed, where not; its disk is never shifted under it.
 */
@Tag("testbed")
class SavedPrivilegedOnTestBedTest extends ContainersOnTestBed {
    private static final AtomicInteger NEXT_VMID = new AtomicInteger(1600);
    private static final String PRIVILEGED_MAP = "0 0 4294967295";

    @Test
    void a_privileged_checkpoint_restores_privileged_where_allowed_and_is_refused_untouched_where_not() throws Exception {
        int id = NEXT_VMID.getAndIncrement();
        // before the upgrade: a privileged container
        oned = DriverHarness.forTestBed(tb, work, Map.of("container.allow_privileged", "true"));
        OnedMessages.userAttribute(id, "LXC_UNPRIVILEGED", "no");
        TestVm vm = deployOnH1(counterVmOnH1(id, false));
        assertEquals(PRIVILEGED_MAP, uidMap(vm));
        String bootId = advancing(tb, "h1", vm).bootId();
        Proc.Result save = oned.vmm("save", List.of(vm.deployId(), checkpoint(vm), "h1"), id, "h1",
                OnedMessages.message(vm, "h1", "", 100, checkpoint(vm), "", ""));
        assertEquals(0, save.exit(), save.stderr());
        assertEquals(0, tb.exec("h1", "ls " + checkpoint(vm) + " | grep -q '^inventory.img$'").exit(), "a checkpoint");
        assertEquals(1, tb.exec("h1", "ls " + checkpoint(vm) + " | grep -q '^userns-'").exit(), "of no user namespace");

        // after it: the VM says nothing (as then), the cloud allows no privileged container
        OnedMessages.userAttribute(id, "LXC_UNPRIVILEGED", "");
        oned = DriverHarness.forTestBed(tb, work, Map.of());
        Proc.Result refused = restore(vm);
        assertEquals(2, refused.exit(), "bad input: " + refused.stderr());
        assertTrue(refused.stderr().contains("holds a privileged container") && refused.stderr()
                .contains("container.allow_privileged = true") && refused.stderr().contains("nothing was changed"),
                refused.stderr());
        assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()));
        assertEquals(0, tb.exec("h1", "ls " + checkpoint(vm) + " | grep -q '^inventory.img$'").exit(), "the checkpoint kept");
        assertEquals("0:0", tb.execOk("h1", "stat -c %u:%g " + vm.sysdir() + "/disk.0/sbin/onehaul-counter").stdout().strip(),
                "its disk not shifted");

        // an operator who kept the old key (container.privileged, read as allow_privileged) gets it back
        oned = DriverHarness.forTestBed(tb, work, Map.of("container.privileged", "true"));
        Proc.Result restored = restore(vm);
        assertEquals(0, restored.exit(), restored.stderr());
        assertEquals(bootId, advancing(tb, "h1", vm).bootId(), "its processes went on");
        assertEquals(PRIVILEGED_MAP, uidMap(vm), "privileged, as it was saved");
    }

    @Test
    void an_unprivileged_checkpoint_stays_unprivileged_whatever_the_vm_now_asks() throws Exception {
        int id = NEXT_VMID.getAndIncrement();
        oned = DriverHarness.forTestBed(tb, work, Map.of("container.allow_privileged", "true"));
        TestVm vm = deployOnH1(counterVmOnH1(id, false));
        String bootId = advancing(tb, "h1", vm).bootId();
        Proc.Result save = oned.vmm("save", List.of(vm.deployId(), checkpoint(vm), "h1"), id, "h1",
                OnedMessages.message(vm, "h1", "", 100, checkpoint(vm), "", ""));
        assertEquals(0, save.exit(), save.stderr());
        OnedMessages.userAttribute(id, "LXC_UNPRIVILEGED", "no");
        Proc.Result restored = restore(vm);
        assertEquals(0, restored.exit(), restored.stderr());
        assertEquals(bootId, advancing(tb, "h1", vm).bootId(), "its processes went on");
        assertEquals("0 600100001 65536", uidMap(vm), "still unprivileged: a switch takes a poweroff");
    }

    private Proc.Result restore(TestVm vm) {
        return oned.vmm("restore", List.of(checkpoint(vm), "h1", vm.deployId()), vm.id(), "h1",
                OnedMessages.message(vm, "h1", "", 100, checkpoint(vm), "", ""));
    }

    private static String checkpoint(TestVm vm) {
        return vm.sysdir() + "/checkpoint";
    }

    private String uidMap(TestVm vm) {
        return tb.execOk("h1", "cat /proc/$(lxc-info -n " + vm.deployId() + " -p -H)/uid_map").stdout().strip()
                .replaceAll("\\s+", " ");
    }
}
