package io.onehaul.vmm;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static io.onehaul.testsupport.CounterContainer.lxcState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.CounterContainer.Tick;
import io.onehaul.testsupport.DriverHarness;
import io.onehaul.testsupport.GuestCounter;
import io.onehaul.testsupport.GuestTestBed;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.OnedMigrationHarness;
import io.onehaul.testsupport.OnedMigrationHarness.Outcome;
import io.onehaul.testsupport.Proc;
import io.onehaul.testsupport.TestBed;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pre-copy and hybrid for real: the driver's pre-dump rounds on CRIU in the stock-kernel guest (g1, g2 on
 * Debian 13's kernel, which tracks dirty pages), with a workload that rewrites part of its memory every
 * 100 ms and verifies every page (bench/src/writer.c): the container moves with its processes and its
 * memory intact, and each round's figures are in the VM log.
 */
@Tag("testbed")
@Tag("guest")
class GuestPreCopyTest {
    private static final String WRITER = "/var/tmp/onehaul-guest-test/writer";
    /** The writer's memory: small enough for emulation, large enough that rounds matter. */
    private static final int WRITER_MIB = 32;
    /**
     * VM ids of this spec's own (1100-1199): oned's fake keeps per-VM attributes (the strategies) for the
     * whole test run, so a VM id shared with another spec would hand it this one's strategy.
     */
    private static final AtomicInteger NEXT_VMID = new AtomicInteger(1100);

    @TempDir Path work;
    TestVm made;
    TestBed tb;

    @AfterEach
    void scrub() {
        GuestCounter.scrub(tb, made);
    }

    @Test
    void pre_copy_sends_rounds_while_the_container_runs_then_only_what_is_still_dirty() throws Exception {
        // an idle writer (it verifies every page every 100 ms and writes none): the second round is small
        Outcome out = moveWithWriter("pre-copy", 0);
        assertTrue(out.allStderr().contains("migration success: pre-copy g1 -> g2"), out.allStderr());
        assertTrue(out.allStderr().contains("pre-dump round 1: "), out.allStderr());
        assertTrue(out.allStderr().contains("pre-dump round 2: ") && out.allStderr().contains("small enough"),
                "the second round sent only what was written since the first: " + out.allStderr());
    }

    @Test
    void hybrid_sends_rounds_then_restores_lazily() throws Exception {
        Outcome out = moveWithWriter("hybrid", 2);
        assertTrue(out.allStderr().contains("migration success: hybrid g1 -> g2"), out.allStderr());
        assertTrue(out.allStderr().contains("pre-dump round 1: "), out.allStderr());
    }

    @Test
    void auto_takes_pre_copy_on_a_soft_dirty_pair_where_the_rounds_outrun_the_writer_and_says_why() throws Exception {
        Outcome out = moveWithWriter("auto", 0);
        assertTrue(out.allStderr().contains("migration success: pre-copy g1 -> g2"), out.allStderr());
        assertTrue(out.allStderr().contains("container writes "), "pre-flight measured how fast: " + out.allStderr());
    }

    /**
     * Operators move containers back and forth: one that a streamed move restored on g2 comes back by
     * pre-copy (on a cgroup2 host LXC cannot dump a container it restored; the driver's dump can).
     */
    @Test
    void a_container_an_earlier_move_restored_comes_back_by_pre_copy() throws Exception {
        moveWithWriter("streamed", 0);
        OnedMessages.userAttribute(made.id(), "ONEHAUL_MIGRATION_STRATEGIES", "pre-copy");
        TestVm onG2 = made.onHost("g2", 100, 3);
        Tick before = advancing(tb, "g2", onG2);
        Outcome back = new OnedMigrationHarness(DriverHarness.forTestBed(tb, work)).liveMigrate(onG2,
                onG2.onHost("g1", 100, 3));
        assertEquals("MIGRATE SUCCESS " + made.id() + " -", back.reply(), back.allStderr());
        assertTrue(back.allStderr().contains("migration success: pre-copy g2 -> g1"), back.allStderr());
        assertTrue(back.allStderr().matches("(?s).*container memory [1-9][0-9]* MiB.*"),
                "the memory of the restored container is read from its own cgroup: " + back.allStderr());
        TestVm onG1 = onG2.onHost("g1", 100, 3);
        assertEquals("RUNNING", lxcState(tb, "g1", made.deployId()));
        assertEquals("UNDEFINED", lxcState(tb, "g2", made.deployId()), "exactly one copy runs");
        assertEquals(before.bootId(), advancing(tb, "g1", onG1).bootId(), "same processes after two moves");
        String stat = tb.execOk("g1", "sleep 2; cat " + onG1.sysdir() + "/mapper/disk.0/workload.stat").stdout();
        assertTrue(stat.matches("(?s).*errors 0 .*"), stat);
    }

    /**
     * The writer rewrites 2 % of its pages every 100 ms at random; with transparent huge pages the kernel
     * marks whole 2 MiB pages dirty, so CRIU would resend nearly all its memory every round: auto sees it in
     * the soft-dirty bits at pre-flight and does not iterate.
     */
    @Test
    void auto_does_not_iterate_where_the_container_writes_faster_than_the_rounds_can_outrun() throws Exception {
        Outcome out = moveWithWriter("auto", 2);
        assertTrue(out.allStderr().contains("pre-copy: the container writes "), out.allStderr());
        assertTrue(out.allStderr().contains("migration success: post-copy g1 -> g2")
                || out.allStderr().contains("migration success: streamed g1 -> g2"), out.allStderr());
    }

    /**
     * The destination's page server dies while the first round sends its pages: CRIU's pre-dump fails, the
     * migration rolls back before any freeze, and the container runs on where it was with its memory intact.
     */
    @Test
    void a_round_whose_page_server_dies_rolls_back_and_the_container_runs_on_on_g1_unfrozen() throws Exception {
        // a watcher on g2, detached: once round 1's page server (its -D is the round's folder) has taken the
        // pre-dump's connection, it kills it mid-transfer and leaves a mark
        String mark = "/var/tmp/onehaul-guest-test/page-server-killed";
        tb().execOk("g2", "mkdir -p /var/tmp/onehaul-guest-test && rm -f " + mark + " && setsid sh -c 'for i in $(seq 1 6000);"
                + " do p=$(pgrep -f \"[c]riu page-server -D [^ ]*/.migration-predump/1 \"); if [ -n \"$p\" ]"
                + " && ss -tnpH state established | grep -q criu; then"
                + " kill -9 $p; touch " + mark + "; exit 0; fi; sleep 0.05; done' </dev/null >/dev/null 2>&1 &");
        Outcome out = moveWithWriter("pre-copy", 0, false);
        assertEquals(0, tb.exec("g2", "test -e " + mark).exit(), "the page server was killed: " + out.allStderr());

        assertTrue(out.reply().startsWith("MIGRATE FAILURE " + made.id()), out.reply());
        assertTrue(out.allStderr().contains("pre-dump round 1"), out.allStderr());
        String name = made.deployId();
        assertEquals("RUNNING", lxcState(tb, "g1", name), "never left frozen");
        assertEquals("UNDEFINED", lxcState(tb, "g2", name), "nothing defined on g2");
        TestVm onG1 = made.onHost("g1", 100, 3);
        advancing(tb, "g1", onG1);
        String stat = tb.execOk("g1", "sleep 1; cat " + onG1.sysdir() + "/mapper/disk.0/workload.stat").stdout();
        assertTrue(stat.matches("(?s).*errors 0 .*"), stat);
        assertEquals(1, tb.exec("g1", "test -e " + onG1.sysdir() + "/.migration-predump").exit(),
                "the rounds' images are gone from g1");
        assertEquals(1, tb.exec("g2", "test -e " + onG1.sysdir()).exit(), "nothing of the VM is left on g2");
    }

    private TestBed tb() {
        return tb != null ? tb : (tb = GuestTestBed.get());
    }

    /** Deploys a counter container on g1 with the writer in it, moves it to g2 with {@code strategies}. */
    private Outcome moveWithWriter(String strategies, int dirtyPercent) throws Exception {
        return moveWithWriter(strategies, dirtyPercent, true);
    }

    /** @param succeeds the move is expected to succeed (and is checked as such) */
    private Outcome moveWithWriter(String strategies, int dirtyPercent, boolean succeeds) throws Exception {
        tb = tb();
        DriverHarness oned = DriverHarness.forTestBed(tb, work);
        OnedMigrationHarness migrate = new OnedMigrationHarness(oned);
        int id = NEXT_VMID.getAndIncrement();
        TestVm vm = GuestCounter.vm(tb, id);
        made = vm.deployed("one-" + id);
        OnedMessages.memoryMb(id, 128);
        OnedMessages.userAttribute(id, "ONEHAUL_MIGRATION_STRATEGIES", strategies);
        tb.execOk("g1", "mkdir -p " + Path.of(WRITER).getParent());
        copyWriterIntoGuest();
        TestVm running = GuestCounter.deployOnG1(tb, oned, vm);
        String name = running.deployId();
        tb.execOk("g1", "cp " + WRITER + " " + running.sysdir() + "/mapper/disk.0/writer && lxc-attach -n " + name
                + " -- /bin/sh -c 'setsid /writer " + WRITER_MIB + " " + dirtyPercent + " </dev/null >/dev/null 2>&1 &'");
        tb.execOk("g1", "for i in $(seq 1 600); do grep -q '^ready 1' " + running.sysdir()
                + "/mapper/disk.0/workload.stat 2>/dev/null && exit 0; sleep 0.2; done; exit 1");
        Tick before = advancing(tb, "g1", running);

        Outcome out = migrate.liveMigrate(running, running.onHost("g2", 100, 3));
        out.allStderr().lines().filter(l -> l.contains("pre-dump round") || l.contains("migration success")
                || l.contains("strategy")).forEach(l -> System.out.println("GUEST " + strategies + ": " + l));
        if (!succeeds) {
            return out;
        }

        assertEquals("MIGRATE SUCCESS " + id + " -", out.reply(), out.allStderr());
        TestVm moved = running.onHost("g2", 100, 3);
        assertEquals("RUNNING", lxcState(tb, "g2", name));
        assertEquals("UNDEFINED", lxcState(tb, "g1", name), "exactly one copy runs");
        Tick after = advancing(tb, "g2", moved);
        assertEquals(before.bootId(), after.bootId(), "same processes: the boot id did not change");
        // the writer verified every page on g2 for a while: no page lost, zeroed or from an older round
        String stat = tb.execOk("g2", "sleep 2; cat " + moved.sysdir() + "/mapper/disk.0/workload.stat").stdout();
        assertTrue(stat.matches("(?s).*errors 0 .*") && stat.contains("ready 1"), stat);
        assertTrue(tb.exec("g2", "lxc-attach -n " + name + " -- pidof writer").exit() == 0, "the writer still runs");
        return out;
    }

    /** The static writer, built on the front-end and copied into the guest once per guest boot. */
    private void copyWriterIntoGuest() throws Exception {
        if (tb.exec("g1", "test -x " + WRITER).exit() == 0) {
            return;
        }
        Path writer = ContainersOnTestBed.buildWorkload("writer.c", "-pthread");
        Proc.Result cp = Proc.run(List.of("scp", "-q", "-i", tb.value("TB_GUEST_KEY"), "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + tb.value("TB_GUEST_KNOWN_HOSTS"),
                writer.toString(), "root@" + tb.value("TB_GUEST_IP") + ":" + WRITER), null, Map.of(), new byte[0], 120);
        assertEquals(0, cp.exit(), cp.stderr());
    }
}
