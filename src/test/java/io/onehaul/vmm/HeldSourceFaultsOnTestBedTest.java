package io.onehaul.vmm;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static io.onehaul.testsupport.CounterContainer.assertNoMountsLeft;
import static io.onehaul.testsupport.CounterContainer.lxcState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.CounterContainer;
import io.onehaul.testsupport.CounterContainer.Tick;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.OnedMigrationHarness;
import io.onehaul.testsupport.OnedMigrationHarness.Outcome;
import io.onehaul.testsupport.Proc;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Faults around the held source of a live migration (issue 10, item 4), each played in oned's order with
 * oned's argv and stdin: the driver killed (SIGKILL) while the source is held, with failmigrate after it,
 * with only the lease, and with a retried migrate as the next action; and the destination unreachable while
 * the migration rolls back. Each ends with exactly one running copy, its processes the same (boot id, counter).
 * To hold the source long enough to be hit, the workload keeps 64 MiB touched (stop-and-copy copies it in
 * the freeze) and h1's link is shaped to 50 Mbit/s: the final copy takes ~10 s.
 */
@Tag("testbed")
class HeldSourceFaultsOnTestBedTest extends ContainersOnTestBed {
    private static final AtomicInteger NEXT_VMID = new AtomicInteger(720);
    private static final int MIB = 64;
    static Path memhog;

    @BeforeAll
    static void workload() throws Exception {
        memhog = buildWorkload("memhog.c");
    }

    @AfterEach
    void unshape() {
        if (tb == null) {
            return; // skipped: no test bed here
        }
        Proc.sh("bash " + tb.value("TB_SCRIPT") + " link h1 clear", 30);
        tb.exec("h2", "while iptables -D INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset 2>/dev/null; do :; done");
    }

    /** A counter container on h1 with a 64 MiB workload, moved by stop-and-copy over a 50 Mbit/s link. */
    TestVm slowToMove() throws Exception {
        int id = NEXT_VMID.getAndIncrement();
        OnedMessages.userAttribute(id, "ONEHAUL_MIGRATION_STRATEGIES", "stop-and-copy");
        OnedMessages.memoryMb(id, 2 * MIB + 256);
        TestVm vm = counterVmOnH1(id, false);
        tb.execOk("h1", "cp " + memhog + " " + vm.sysdir() + "/disk.0/memhog");
        TestVm running = deployOnH1(vm);
        tb.execOk("h1", "lxc-attach -n one-" + id + " -- /bin/sh -c 'setsid /memhog " + MIB
                + " </dev/null >/dev/null 2>&1 &'");
        tb.execOk("h1", "for i in $(seq 1 300); do r=$(lxc-attach -n one-" + id + " -- /bin/sh -c "
                + "'grep VmRSS /proc/$(pidof memhog)/status' 2>/dev/null | tr -dc 0-9); "
                + "[ -n \"$r\" ] && [ \"$r\" -ge " + (MIB * 1024L) + " ] && exit 0; sleep 0.2; done; exit 1");
        Proc.sh("bash " + tb.value("TB_SCRIPT") + " link h1 tbf 50", 30).requireOk("shaping h1");
        return running;
    }

    @Test
    void a_driver_killed_after_the_restore_began_is_settled_by_failmigrate_the_source_runs_again_and_h2_holds_nothing()
            throws Exception {
        TestVm vm = slowToMove();
        Tick before = advancing(tb, "h1", vm);
        CompletableFuture<Outcome> run = CompletableFuture.supplyAsync(() -> migrate.liveMigrate(vm, vm.onHost("h2", 100, 3)));
        // the restore on h2 begins once the final copy is over: the lease no longer ends the hold, only failmigrate
        awaitWorkFile(vm, "restore-begun");
        killDriver(vm);
        Outcome out = run.get(300, TimeUnit.SECONDS);
        long settled = System.nanoTime();

        assertTrue(out.reply().startsWith("MIGRATE FAILURE " + vm.id()), out.reply());
        assertEquals(List.of("tm premigrate", "vmm migrate", "tm failmigrate"), out.steps());
        Proc.Result fail = out.results().get(2);
        assertEquals(0, fail.exit(), "failmigrate settled it: " + fail.stderr());
        Tick after = advancing(tb, "h1", vm);
        double seconds = (System.nanoTime() - settled) / 1e9;
        note("A1 failmigrate after kill at restore-begun: counter on h1 moved " + seconds + " s after failmigrate; failmigrate said: "
                + fail.stderr().lines().filter(l -> l.contains("StaleHold") || l.contains("hold") || l.contains("copy of"))
                .toList());
        assertTrue(seconds < 5, "the source counted again " + seconds + " s after failmigrate");
        assertEquals(before.bootId(), after.bootId(), "the same processes went on on h1");
        assertEquals("RUNNING", lxcState(tb, "h1", vm.deployId()));
        assertNothingOnH2(vm);
        assertNoDumpLeft(vm);
        assertTrue(fail.stderr().contains("hold was left behind"), fail.stderr());
    }

    @Test
    void a_driver_killed_while_the_source_is_held_loses_its_lease_the_source_runs_within_seconds_and_a_retry_moves_it()
            throws Exception {
        TestVm vm = slowToMove();
        Tick before = advancing(tb, "h1", vm);
        TestVm there = vm.onHost("h2", 100, 3);
        CompletableFuture<Proc.Result> run = CompletableFuture.supplyAsync(() -> vmmMigrate(vm, there));
        awaitWorkFile(vm, "dumped"); // frozen, the final copy crawling over the shaped link
        Tick frozen = CounterContainer.tick(tb, "h1", vm);
        killDriver(vm);
        long killed = System.nanoTime();
        assertNotEquals(0, run.get(60, TimeUnit.SECONDS).exit(), "the driver was killed");
        // no failmigrate, no next action: only the lease
        Tick resumed = advancingPast(vm, frozen, 15);
        double seconds = (System.nanoTime() - killed) / 1e9;
        note("A2 lease: counter on h1 moved " + seconds + " s after the driver's SIGKILL (no failmigrate)");
        assertTrue(seconds < 10, "the source counted again " + seconds + " s after its driver died");
        assertEquals(before.bootId(), resumed.bootId());
        assertEquals("abort-lease-lost", tb.execOk("h1", "cat " + vm.sysdir() + "/.migration/decision").stdout().strip());

        // the next action on the VM is oned's retry of the migration: what the dead driver left is settled first
        Proc.sh("bash " + tb.value("TB_SCRIPT") + " link h1 clear", 30);
        Outcome retry = migrate.liveMigrate(vm, there);
        assertEquals("MIGRATE SUCCESS " + vm.id() + " -", retry.reply(), retry.allStderr());
        note("A3 retry after the kill: " + retry.allStderr().lines().filter(l -> l.contains("left behind")
                || l.contains("migration success")).toList());
        Tick moved = advancing(tb, "h2", there);
        assertEquals(before.bootId(), moved.bootId(), "the same processes moved");
        assertTrue(moved.count() > resumed.count());
        assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()));
        assertEquals(1, tb.exec("h2", "test -e " + there.sysdir() + "/.migration").exit(), "no work folder left");
    }

    @Test
    void a_shutdown_as_the_next_action_after_a_driver_killed_mid_restore_stops_the_one_copy_it_finds() throws Exception {
        TestVm vm = slowToMove();
        CompletableFuture<Proc.Result> run = CompletableFuture.supplyAsync(() -> vmmMigrate(vm, vm.onHost("h2", 100, 3)));
        awaitWorkFile(vm, "restore-begun");
        killDriver(vm);
        assertNotEquals(0, run.get(60, TimeUnit.SECONDS).exit());
        // no failmigrate (oned restarted, say): the operator's shutdown is the VM's next action, on h1
        Proc.Result down = oned.vmm("shutdown", List.of(vm.deployId(), "h1"), vm.id(), "h1", OnedMessages.onHost(vm));
        assertEquals(0, down.exit(), down.stderr());
        note("A4 shutdown after kill at restore-begun: " + down.stderr().lines().filter(l -> l.contains("left behind")
                || l.contains("copy of") || l.contains("hold of")).toList());
        assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()), "shut down on h1");
        assertEquals("UNDEFINED", lxcState(tb, "h2", vm.deployId()), "and no copy left running on h2");
        assertNoMountsLeft(tb, "h2", vm.onHost("h2", 100, 3));
        String left = tb.exec("h1", "pgrep -af '[c]riu|[l]xc-checkpoint|[h]old.sh' | grep -F '/" + vm.id() + "/.migration' || true")
                .stdout().strip();
        assertEquals("", left, "CRIU processes left on h1");
    }

    @Test
    void a_destination_unreachable_during_the_rollback_is_cleaned_by_failmigrate_once_it_answers() throws Exception {
        TestVm vm = slowToMove();
        Tick before = advancing(tb, "h1", vm);
        TestVm there = vm.onHost("h2", 100, 3);
        assertEquals(0, premigrate(vm, there).exit());
        Proc.Result mig = migrateWithH2CutAtTheDump(vm, there);
        assertNotEquals(0, mig.exit());
        assertTrue(mig.stderr().contains("still running on h1"), mig.stderr());
        assertEquals("STOPPED", lxcState(tb, "h2", vm.deployId()), "the rollback could not remove h2's definition");

        reopenH2();
        Proc.Result fail = oned.tm("failmigrate", tmArgs(vm, there), OnedMessages.vm(there.onHost("h2", 100, 4)));
        assertEquals(0, fail.exit(), fail.stderr());
        assertNothingOnH2(vm);
        assertEquals(before.bootId(), advancing(tb, "h1", vm).bootId());
        assertNoDumpLeft(vm);
    }

    @Test
    void a_migration_retried_after_a_rollback_that_could_not_reach_the_destination_succeeds() throws Exception {
        TestVm vm = slowToMove();
        Tick before = advancing(tb, "h1", vm);
        TestVm there = vm.onHost("h2", 100, 3);
        assertEquals(0, premigrate(vm, there).exit());
        assertNotEquals(0, migrateWithH2CutAtTheDump(vm, there).exit());
        assertEquals("STOPPED", lxcState(tb, "h2", vm.deployId()));

        reopenH2();
        Proc.sh("bash " + tb.value("TB_SCRIPT") + " link h1 clear", 30);
        Outcome retry = migrate.liveMigrate(vm, there); // no failmigrate in between: the stale state as it was
        assertEquals("MIGRATE SUCCESS " + vm.id() + " -", retry.reply(), retry.allStderr());
        assertEquals(before.bootId(), advancing(tb, "h2", there).bootId());
        assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()));
    }

    /** The VMM migrate with h2 closing its SSH port (resetting what is open) as soon as h1 is held. */
    private Proc.Result migrateWithH2CutAtTheDump(TestVm vm, TestVm there) throws Exception {
        CompletableFuture<Proc.Result> run = CompletableFuture.supplyAsync(() -> vmmMigrate(vm, there));
        awaitWorkFile(vm, "dumped");
        tb.execOk("h2", "iptables -I INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset");
        Proc.Result mig = run.get(300, TimeUnit.SECONDS);
        assertEquals("RUNNING", lxcState(tb, "h1", vm.deployId()), mig.stderr());
        return mig;
    }

    private void reopenH2() {
        tb.execOk("h2", "iptables -D INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset");
    }

    private Proc.Result premigrate(TestVm vm, TestVm there) {
        return oned.tm("premigrate", tmArgs(vm, there), OnedMessages.vm(there.onHost("h2", 100, 4)));
    }

    private static List<String> tmArgs(TestVm vm, TestVm there) {
        return List.of("h1", "h2", there.sysdir(), Integer.toString(vm.id()), "100");
    }

    /** The VMM migrate alone, as one_vmm_exec runs it (no TM step around it). */
    private Proc.Result vmmMigrate(TestVm vm, TestVm there) {
        String message = OnedMessages.message(there.onHost("h2", 100, 4), "h1", "h2", 100, "",
                "MIGRATE " + OnedMigrationHarness.TM + " h1 h2 " + there.sysdir() + " " + vm.id() + " 100\n", there.sysdir());
        return oned.vmm("migrate", List.of(vm.deployId(), "h2", "h1"), vm.id(), "h1", message);
    }

    /** Measurements for the report, appended to target/held-source-faults.txt. */
    private static void note(String line) {
        try {
            java.nio.file.Files.writeString(io.onehaul.testsupport.Repo.root().resolve("target/held-source-faults.txt"),
                    java.time.Instant.now() + " " + line + "\n", java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void awaitWorkFile(TestVm vm, String file) {
        Proc.Result r = tb.exec("h1", "for i in $(seq 6000); do [ -e " + vm.sysdir() + "/.migration/" + file
                + " ] && exit 0; sleep 0.02; done; exit 1");
        assertEquals(0, r.exit(), file + " never appeared in h1's work folder");
    }

    /** SIGKILL to the driver's java process (the shim exec'd it: the process oned started). */
    private static void killDriver(TestVm vm) {
        // "[v]mm": the pattern must not match the shell that runs pkill itself
        Proc.sh("pkill -KILL -f '[v]mm migrate " + vm.deployId() + " '", 10).requireOk("killing the driver");
    }

    private Tick advancingPast(TestVm vm, Tick frozen, int seconds) throws InterruptedException {
        for (int i = 0; i < seconds * 10; i++) {
            Tick t = CounterContainer.tick(tb, "h1", vm);
            if (t.count() > frozen.count()) {
                return t;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the counter on h1 stayed at " + frozen.count() + " for " + seconds + " s");
    }

    private void assertNothingOnH2(TestVm vm) {
        assertEquals("UNDEFINED", lxcState(tb, "h2", vm.deployId()), "no LXC definition left on h2");
        assertNoMountsLeft(tb, "h2", vm.onHost("h2", 100, 3));
        assertEquals(1, tb.exec("h2", "test -e " + vm.sysdir()).exit(), "no folder left on h2");
    }

    private void assertNoDumpLeft(TestVm vm) {
        String left = tb.exec("h1", "pgrep -af '[c]riu|[l]xc-checkpoint|[h]old.sh' | grep -F '/" + vm.id() + "/.migration' || true")
                .stdout().strip();
        assertEquals("", left, "CRIU processes left on h1");
        assertEquals(1, tb.exec("h1", "test -e " + vm.sysdir() + "/.migration").exit(), "no work folder left on h1");
        String lock = tb.exec("h1", "nsenter -t $(lxc-info -n " + vm.deployId() + " -p -H) -n iptables -S 2>/dev/null | grep -c CRIU || true")
                .stdout().strip();
        assertEquals("0", lock, "CRIU's network lock left in the container");
        assertFalse(tb.execOk("h1", "lxc-info -n " + vm.deployId() + " -s -H").stdout().contains("FROZEN"));
    }
}
