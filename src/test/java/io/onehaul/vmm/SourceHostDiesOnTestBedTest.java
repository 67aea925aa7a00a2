package io.onehaul.vmm;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static io.onehaul.testsupport.CounterContainer.assertNoMountsLeft;
import static io.onehaul.testsupport.CounterContainer.lxcState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.CounterContainer.Tick;
import io.onehaul.testsupport.DriverHarness;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.OnedMigrationHarness.Outcome;
import io.onehaul.testsupport.Proc;
import io.onehaul.testsupport.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The source host dies (testbed.sh host down: link gone, every process killed, its disk kept) while the
 * destination restores, so it is gone when the migration commits: the destination keeps running and oned is
 * told SUCCESS; what stayed on the source is recorded on the front-end and cleaned once the host is back (the
 * HOST MONITORED hook, or the next action that opens the host), never the VM's new placement there.
 */
@Tag("testbed")
class SourceHostDiesOnTestBedTest extends ContainersOnTestBed {
    private static final AtomicInteger NEXT_VMID = new AtomicInteger(760);
    private static final int MIB = 256;

    /** A counter container on h1 holding 256 MiB (its restore takes about a second: the window to kill h1 in). */
    private TestVm runningWithMemory() throws Exception {
        int id = NEXT_VMID.getAndIncrement();
        OnedMessages.userAttribute(id, "ONEHAUL_MIGRATION_STRATEGIES", "stop-and-copy");
        OnedMessages.memoryMb(id, 2 * MIB + 256);
        TestVm vm = deployOnH1(counterVmOnH1(id, true));
        startMemhog(vm, MIB);
        return vm;
    }

    /** Migrates h1 -> h2 and kills h1 as soon as h2's restore has begun; returns what oned was told. */
    private Outcome migrateWhileH1Dies(TestVm vm) throws Exception {
        CompletableFuture<Proc.Result> killer = CompletableFuture.supplyAsync(() -> Proc.sh(
                "for i in $(seq 6000); do pgrep -f '[l]xc-checkpoint .*" + vm.deployId() + ".* -r -D' >/dev/null && break; "
                        + "sleep 0.01; done; bash " + script() + " host h1 down", 300));
        Outcome out = migrate.liveMigrate(vm, vm.onHost("h2", 100, 3));
        Proc.Result down = killer.get(60, TimeUnit.SECONDS);
        assertEquals(0, down.exit(), "h1 went down: " + down.stderr());
        return out;
    }

    private void h1Up() {
        Proc.sh("bash " + script() + " host h1 up", 120).requireOk("host h1 up");
    }

    /** This checkout's testbed.sh (the bed may have been brought up by another copy: TB_SCRIPT). */
    private static Path script() {
        return Repo.root().resolve("testbed/testbed.sh");
    }

    private List<Path> journal() throws Exception {
        Path dir = oned.leftoverJournal();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".leftover")).toList();
        }
    }

    /** The VM runs on h2, its processes went on (same boot), and oned was told SUCCESS with the reason logged. */
    private void assertMovedDespiteTheDeadSource(Outcome out, TestVm vm, Tick before) throws Exception {
        assertEquals("MIGRATE SUCCESS " + vm.id() + " -", out.reply(), out.allStderr());
        assertTrue(out.allStderr().contains("SOURCE NOT CLEANED"), "the VM log says what was left: " + out.allStderr());
        assertTrue(out.steps().contains("tm postmigrate (failed, no_fail)"), "postmigrate cannot reach h1: " + out.steps());
        TestVm moved = vm.onHost("h2", 100, 3);
        assertEquals("RUNNING", lxcState(tb, "h2", vm.deployId()));
        Tick after = advancing(tb, "h2", moved);
        assertEquals(before.bootId(), after.bootId(), "the same processes run on h2");
        assertTrue(after.count() > before.count());
        assertEquals(1, journal().size(), "one leftover recorded: " + journal());
        String record = Files.readString(journal().get(0));
        assertTrue(record.contains("host=h1\n") && record.contains("sysdir=" + vm.sysdir() + "\n"), record);
    }

    /** h1 is back with what a dead machine keeps: the definition and the folder (and here its mounts). */
    /** h1 dies between the destination's restore and the commit, and comes back: the VM moved, h1 keeps leftovers. */
    private Tick movedWhileH1Died(TestVm vm) throws Exception {
        Tick before = advancing(tb, "h1", vm);
        Outcome out;
        try {
            out = migrateWhileH1Dies(vm);
        } finally {
            h1Up();
        }
        assertMovedDespiteTheDeadSource(out, vm, before);
        assertLeftoversOnH1(vm);
        return before;
    }

    private void assertLeftoversOnH1(TestVm vm) {
        assertEquals("STOPPED", lxcState(tb, "h1", vm.deployId()), "defined, nothing runs after the death");
        assertEquals(0, tb.exec("h1", "test -d " + vm.sysdir()).exit(), "the old folder is still on h1");
    }

    private void assertNothingLeftOnH1(TestVm vm) throws Exception {
        assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()));
        assertNoMountsLeft(tb, "h1", vm);
        assertEquals(1, tb.exec("h1", "test -e " + vm.sysdir()).exit(), "the old folder is gone from h1");
        assertEquals(List.of(), journal(), "the record is dropped");
    }

    @Test
    void the_source_dies_before_commit_the_vm_runs_on_on_h2_and_the_host_hook_cleans_h1_when_it_is_back() throws Exception {
        TestVm vm = runningWithMemory();
        Tick before = movedWhileH1Died(vm);

        // oned monitors h1 again: the HOST state hook (ARGUMENTS_STDIN = yes, the <HOST> in base64)
        Proc.Result hook = Proc.run(List.of(oned.launcher().toString(), "hook", "host-leftovers"), work,
                Map.of("ONEHAUL_CONF", oned.config().toString()),
                DriverHarness.encode("<HOST><ID>0</ID><NAME>h1</NAME><STATE>2</STATE><VM_MAD>lxc_live</VM_MAD></HOST>"), 120);
        assertEquals(0, hook.exit(), hook.stdout() + hook.stderr());
        assertTrue(hook.stdout().contains("leftovers of VM " + vm.id() + " on h1 cleaned"), hook.stdout());
        assertNothingLeftOnH1(vm);
        assertEquals("RUNNING", lxcState(tb, "h2", vm.deployId()), "the VM's copy on h2 was not touched");
        assertEquals(before.bootId(), advancing(tb, "h2", vm.onHost("h2", 100, 3)).bootId());
    }

    @Test
    void the_next_action_on_the_host_that_came_back_cleans_it_first_and_a_migration_back_runs_there() throws Exception {
        TestVm vm = runningWithMemory();
        Tick before = movedWhileH1Died(vm);

        // the VM goes back to h1: premigrate is the first action to open h1, and cleans it before anything else
        TestVm onH2 = vm.onHost("h2", 100, 3);
        Outcome back = migrate.liveMigrate(onH2, onH2.onHost("h1", 100, 3));
        assertTrue(back.success(), back.reply() + "\n" + back.allStderr());
        assertTrue(back.allStderr().contains("leftovers of VM " + vm.id() + " on h1 cleaned"), back.allStderr());
        assertEquals(List.of(), journal());
        assertEquals("RUNNING", lxcState(tb, "h1", vm.deployId()), "the VM's new placement on h1 runs");
        assertEquals(before.bootId(), advancing(tb, "h1", vm).bootId(), "still the same processes");
        assertEquals("UNDEFINED", lxcState(tb, "h2", vm.deployId()));
        assertFalse(tb.exec("h1", "test -d " + vm.sysdir()).exit() != 0, "its folder on h1 is the VM's");
    }
}
