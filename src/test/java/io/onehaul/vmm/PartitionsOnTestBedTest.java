package io.onehaul.vmm;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static io.onehaul.testsupport.CounterContainer.lxcState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.CounterContainer.Tick;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.OnedMigrationHarness.Outcome;
import io.onehaul.testsupport.Proc;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The link between source and destination goes silent (every packet dropped, both ways; the front-end still
 * reaches both) at a given moment of a stop-and-copy or streamed move, healed after a while or not at all.
 * Whatever the outcome, the promise: exactly one copy runs, with the same processes and every page of a
 * memory-checking workload, oned was told where it runs, and the other host holds nothing of it.
 * (Post-copy's partitions are in {@link StrategiesOnTestBedTest}.)
 */
@Tag("testbed")
class PartitionsOnTestBedTest extends ContainersOnTestBed {
    private static final AtomicInteger NEXT_VMID = new AtomicInteger(1400);
    private static final int MIB = 128;
    /** Slow enough that the pre-sync and the final copy each take seconds. */
    private static final String LINK_MBIT = "50";

    @AfterEach
    void heal() {
        tb.exec("h1", "while iptables -D INPUT -s " + tb.ip("h2") + " -j DROP 2>/dev/null; do :; done; "
                + "while iptables -D OUTPUT -d " + tb.ip("h2") + " -j DROP 2>/dev/null; do :; done");
        tb.exec("h2", "while iptables -D INPUT -s " + tb.ip("h1") + " -j DROP 2>/dev/null; do :; done; "
                + "while iptables -D OUTPUT -d " + tb.ip("h1") + " -j DROP 2>/dev/null; do :; done");
        Proc.sh("bash " + tb.value("TB_SCRIPT") + " link h2 clear", 30);
    }

    @Test
    void stop_and_copy_cut_during_the_pre_sync_and_never_healed_fails_and_the_source_runs_on() throws Exception {
        TestVm vm = memoryCheckedOnH1("stop-and-copy");
        Struck s = cutWhen(vm, "h2", "test -e " + vm.onHost("h2", 100, 3).sysdir() + "/disk.0", -1);
        assertFalse(s.out().success(), "the copy cannot end: " + s.out().allStderr());
        System.out.println("PARTITION stop-and-copy, pre-sync, not healed: oned told after " + s.ms() + " ms");
    }

    @Test
    void stop_and_copy_cut_while_the_source_is_held_and_never_healed_resumes_the_source() throws Exception {
        TestVm vm = memoryCheckedOnH1("stop-and-copy");
        Struck s = cutWhen(vm, "h1", "test -f " + vm.sysdir() + "/.migration/dumped", -1);
        assertFalse(s.out().success(), s.out().allStderr());
        System.out.println("PARTITION stop-and-copy, held, not healed: oned told after " + s.ms() + " ms");
    }

    @Test
    void stop_and_copy_cut_while_held_and_healed_after_seconds_ends_with_one_copy_either_way() throws Exception {
        TestVm vm = memoryCheckedOnH1("stop-and-copy");
        Struck s = cutWhen(vm, "h1", "test -f " + vm.sysdir() + "/.migration/dumped", 4000);
        System.out.println("PARTITION stop-and-copy, held, healed after 4 s: " + (s.out().success() ? "moved" : "stayed")
                + ", oned told after " + s.ms() + " ms");
    }

    @Test
    void streamed_cut_while_the_dump_streams_its_pages_and_never_healed_resumes_the_source() throws Exception {
        TestVm vm = memoryCheckedOnH1("streamed");
        Struck s = cutWhen(vm, "h1", "test -f " + vm.sysdir() + "/.migration/dump-start", -1);
        assertFalse(s.out().success(), s.out().allStderr());
        System.out.println("PARTITION streamed, dump, not healed: oned told after " + s.ms() + " ms");
    }

    record Struck(Outcome out, long ms) {}

    /** A container on h1 whose workload keeps {@value #MIB} MiB touched and checked. */
    private TestVm memoryCheckedOnH1(String strategy) throws Exception {
        int id = NEXT_VMID.getAndIncrement();
        OnedMessages.userAttribute(id, "ONEHAUL_MIGRATION_STRATEGIES", strategy);
        OnedMessages.memoryMb(id, 2 * MIB + 256);
        TestVm vm = deployOnH1(counterVmOnH1(id, true));
        startMemhog(vm, MIB);
        return vm;
    }

    /**
     * Moves {@code vm} to h2 over a shaped link, cuts h1 from h2 once {@code when} holds on {@code host}, heals
     * after {@code healAfterMs} (never if negative), and checks the promise for whichever way it ended.
     */
    private Struck cutWhen(TestVm vm, String host, String when, long healAfterMs) throws Exception {
        Tick before = advancing(tb, "h1", vm);
        TestVm there = vm.onHost("h2", 100, 3);
        Proc.sh("bash " + tb.value("TB_SCRIPT") + " link h2 tbf " + LINK_MBIT, 30).requireOk("shaping h2");
        CompletableFuture<Outcome> move = CompletableFuture.supplyAsync(() -> migrate.liveMigrate(vm, there));
        tb.execOk(host, "for i in $(seq 1 3000); do " + when + " && exit 0; sleep 0.02; done; exit 1");
        cut();
        long struck = System.nanoTime();
        if (healAfterMs >= 0) {
            Thread.sleep(healAfterMs);
            heal();
        }
        Outcome out = move.get(600, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - struck) / 1_000_000;
        heal();

        String runsOn = out.success() ? "h2" : "h1";
        String notOn = out.success() ? "h1" : "h2";
        TestVm running = out.success() ? there : vm;
        assertTrue(out.success() || out.reply().contains("still running on h1"), "oned told where it runs: " + out.reply());
        assertEquals("RUNNING", lxcState(tb, runsOn, vm.deployId()), out.allStderr());
        assertEquals("UNDEFINED", lxcState(tb, notOn, vm.deployId()), "one copy only: " + out.allStderr());
        assertEquals(before.bootId(), advancing(tb, runsOn, running).bootId(), "the same processes go on");
        assertMemoryIntact(running);
        if (!out.success()) {
            assertEquals(1, tb.exec("h2", "test -e " + there.sysdir()).exit(), "nothing of it on h2");
        }
        assertEquals(1, tb.exec(runsOn, "test -e " + running.sysdir() + "/.migration").exit(), "no work folder left");
        return new Struck(out, ms);
    }

    private void cut() {
        tb.execOk("h1", "iptables -I INPUT -s " + tb.ip("h2") + " -j DROP && iptables -I OUTPUT -d " + tb.ip("h2") + " -j DROP");
        tb.execOk("h2", "iptables -I INPUT -s " + tb.ip("h1") + " -j DROP && iptables -I OUTPUT -d " + tb.ip("h1") + " -j DROP");
    }

    /** The workload runs where the VM runs and never found a wrong page. */
    private void assertMemoryIntact(TestVm vm) throws Exception {
        Thread.sleep(1500); // several full checks of its memory after the move
        assertEquals(0, tb.exec(vm.host(), "lxc-attach -n " + vm.deployId() + " -- pidof memhog").exit(),
                "the workload still runs on " + vm.host());
        String bad = tb.execOk(vm.host(), "cat " + vm.sysdir() + "/mapper/disk.0/memstat 2>/dev/null || true").stdout().strip();
        assertEquals("", bad, "pages read wrong after the move");
    }
}
