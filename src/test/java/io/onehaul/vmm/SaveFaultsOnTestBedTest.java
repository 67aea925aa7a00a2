package io.onehaul.vmm;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static io.onehaul.testsupport.CounterContainer.assertNoMountsLeft;
import static io.onehaul.testsupport.CounterContainer.lxcState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.CounterContainer.Tick;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.Proc;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An interrupted save or restore (`onevm suspend` / `resume`, and the cold migration's save and restore),
 * called as one_vmm_exec calls them: the next save or restore finds a consistent checkpoint or refuses with a
 * reason; the VM is never restored from a partial checkpoint, never left frozen.
 */
@Tag("testbed")
class SaveFaultsOnTestBedTest extends ContainersOnTestBed {
    private static final AtomicInteger NEXT_VMID = new AtomicInteger(780);
    private static final int MIB = 256;

    private String checkpoint(TestVm vm) {
        return vm.sysdir() + "/checkpoint";
    }

    private Proc.Result save(TestVm vm) {
        return oned.vmm("save", List.of(vm.deployId(), checkpoint(vm), vm.host()), vm.id(), vm.host(),
                OnedMessages.message(vm, vm.host(), "", vm.datastoreId(), checkpoint(vm), "", ""));
    }

    private Proc.Result restore(TestVm vm) {
        return oned.vmm("restore", List.of(checkpoint(vm), vm.host(), vm.deployId()), vm.id(), vm.host(),
                OnedMessages.message(vm, vm.host(), "", vm.datastoreId(), checkpoint(vm), "", ""));
    }

    /** A counter container on h1; with {@code memory}, it holds 256 MiB, so a dump or restore lasts about a second. */
    private TestVm running(boolean memory) throws Exception {
        int id = NEXT_VMID.getAndIncrement();
        OnedMessages.memoryMb(id, 2 * MIB + 256);
        TestVm vm = deployOnH1(counterVmOnH1(id, true));
        if (memory) {
            startMemhog(vm, MIB);
        }
        return vm;
    }

    /** Runs {@code action} in the background and, once CRIU's {@code mode} (-s dump, -r restore) runs for it, {@code then}. */
    private Proc.Result whileCriuRuns(TestVm vm, String mode, String then, java.util.function.Supplier<Proc.Result> action)
            throws Exception {
        CompletableFuture<Proc.Result> fault = CompletableFuture.supplyAsync(() -> Proc.sh(
                "for i in $(seq 6000); do pgrep -f '[l]xc-checkpoint .*" + vm.deployId() + " " + mode + " -D' >/dev/null && break; "
                        + "sleep 0.01; done; " + then, 120));
        Proc.Result r = action.get();
        assertEquals(0, fault.get(60, TimeUnit.SECONDS).exit(), "the fault was injected");
        return r;
    }

    private void assertRestoredAndGoingOn(TestVm vm, Tick before) throws Exception {
        assertEquals("RUNNING", lxcState(tb, "h1", vm.deployId()));
        Tick after = advancing(tb, "h1", vm);
        assertEquals(before.bootId(), after.bootId(), "the same processes go on");
        assertTrue(after.count() > before.count());
        // one copy: the container's cgroups hold exactly one counter (no task of an interrupted restore beside it).
        // A counter's own child for a moment (busybox runs `mv` forked without exec, so it keeps the counter's
        // command line) is not a copy: only counters whose parent is not a counter are counted.
        assertEquals("1", Proc.sh("c='/bin/sh /sbin/onehaul-counter '; for p in $(cat /sys/fs/cgroup/pids/lxc.payload."
                + vm.deployId() + "*/cgroup.procs); do me=$(tr '\\0' ' ' < /proc/$p/cmdline); "
                + "pp=$(awk '{print $4}' /proc/$p/stat); up=$(tr '\\0' ' ' < /proc/$pp/cmdline 2>/dev/null); "
                + "[ \"$me\" = \"$c\" ] && [ \"$up\" != \"$c\" ] && echo copy; done | grep -c copy", 30).stdout().strip(),
                "exactly one copy of the container runs");
        assertEquals("", tb.execOk("h1", "ls -d " + checkpoint(vm) + "* 2>/dev/null; true").stdout().strip(),
                "no checkpoint, partial or save folder left");
    }

    @Test
    void a_save_whose_driver_is_killed_while_criu_dumps_finishes_on_the_host_and_the_retry_and_restore_find_it_whole()
            throws Exception {
        TestVm vm = running(true);
        Tick before = advancing(tb, "h1", vm);
        Proc.Result killed = whileCriuRuns(vm, "-s", "pkill -KILL -f '[O]neHaul vmm save " + vm.deployId() + " '",
                () -> save(vm));
        assertNotEquals(0, killed.exit(), "the save's driver was killed");

        Proc.Result retried = save(vm);
        assertEquals(0, retried.exit(), "a retried save finds the dump the host finished: " + retried.stderr());
        assertTrue(retried.stderr().contains("already saved"), retried.stderr());
        assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()));
        assertNoMountsLeft(tb, "h1", vm);
        tb.execOk("h1", "test -f " + checkpoint(vm) + "/onehaul.manifest");

        Proc.Result r = restore(vm);
        assertEquals(0, r.exit(), r.stderr());
        assertRestoredAndGoingOn(vm, before);
    }

    @Test
    void a_restore_right_after_a_killed_save_waits_for_the_dump_and_restores_it_whole() throws Exception {
        TestVm vm = running(true);
        Tick before = advancing(tb, "h1", vm);
        Proc.Result killed = whileCriuRuns(vm, "-s", "pkill -KILL -f '[O]neHaul vmm save " + vm.deployId() + " '",
                () -> save(vm));
        assertNotEquals(0, killed.exit());
        Proc.Result r = restore(vm);
        assertEquals(0, r.exit(), r.stderr());
        assertRestoredAndGoingOn(vm, before);
    }

    @Test
    void a_checkpoint_cut_short_by_hand_is_refused_with_the_reason_and_nothing_changes() throws Exception {
        TestVm vm = running(false);
        assertEquals(0, save(vm).exit());
        String pages = tb.execOk("h1", "cd " + checkpoint(vm) + " && ls pages-*.img | head -n 1").stdout().strip();
        tb.execOk("h1", "truncate -s -4096 " + checkpoint(vm) + "/" + pages);
        Proc.Result shorter = restore(vm);
        assertEquals(1, shorter.exit(), shorter.stderr());
        assertTrue(shorter.stderr().contains("is not a complete checkpoint (" + pages + " has "), shorter.stderr());
        assertTrue(shorter.stderr().contains("nothing was changed"), shorter.stderr());

        tb.execOk("h1", "rm " + checkpoint(vm) + "/" + pages);
        Proc.Result missing = restore(vm);
        assertEquals(1, missing.exit(), missing.stderr());
        assertTrue(missing.stderr().contains(pages + " is missing"), missing.stderr());
        assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()), "no definition was written");
        assertNoMountsLeft(tb, "h1", vm);
        assertEquals(0, tb.exec("h1", "test -f " + checkpoint(vm) + "/inventory.img").exit(), "the checkpoint is as it was");
    }

    @Test
    void a_restore_killed_half_way_is_retried_and_the_same_processes_run() throws Exception {
        TestVm vm = running(true);
        Tick before = advancing(tb, "h1", vm);
        assertEquals(0, save(vm).exit());
        // the driver and CRIU's restore both killed: a half-restored container and its mounts stay behind
        // (the fault's exit status is CRIU's pkill: 0 = a CRIU restore was running and was killed)
        Proc.Result killed = whileCriuRuns(vm, "-r", "sleep 0.2; pkill -KILL -f '[O]neHaul vmm restore " + checkpoint(vm)
                + " '; pkill -KILL -f '[c]riu restore.*" + checkpoint(vm) + "'", () -> restore(vm));
        assertNotEquals(0, killed.exit(), "the restore's driver was killed");

        Proc.Result retried = restore(vm);
        assertEquals(0, retried.exit(), retried.stderr());
        assertRestoredAndGoingOn(vm, before);
    }

    @Test
    void a_host_cut_off_during_the_save_fails_it_and_leaves_the_container_running_or_whole_in_its_checkpoint()
            throws Exception {
        TestVm vm = running(true);
        Tick before = advancing(tb, "h1", vm);
        Proc.Result cut;
        try {
            cut = whileCriuRuns(vm, "-s", "ip link set vohtb-h1 down", () -> save(vm));
        } finally {
            Proc.sh("ip link set vohtb-h1 up", 10);
        }
        assertEquals(1, cut.exit(), "the driver lost h1: " + cut.stderr());
        // once reachable: never frozen; either it runs, or it is stopped with a complete checkpoint
        String state = "";
        for (int i = 0; i < 100; i++) {
            state = lxcState(tb, "h1", vm.deployId());
            if (!state.equals("RUNNING") || tb.exec("h1", "test -d " + checkpoint(vm) + ".saving").exit() != 0) {
                break;
            }
            Thread.sleep(100);
        }
        assertTrue(List.of("RUNNING", "STOPPED").contains(state), "not left frozen: " + state);
        Proc.Result retried = save(vm);
        assertEquals(0, retried.exit(), retried.stderr());
        Proc.Result r = restore(vm);
        assertEquals(0, r.exit(), r.stderr());
        assertRestoredAndGoingOn(vm, before);
    }
}
