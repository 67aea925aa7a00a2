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
import io.onehaul.testsupport.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Streamed and post-copy live migrations for real, on LXC + CRIU between namespaced hosts, with a
 * workload whose whole memory is checked every 0.2 s (bench/src/memhog.c: a wrong or zeroed page is
 * written to /memstat): the processes go on, and not one page is wrong after the move. And the post-copy
 * guard, proven by killing the source's page server while the destination is still pulling pages.
 */
@Tag("testbed")
class StrategiesOnTestBedTest extends ContainersOnTestBed {
    private static final AtomicInteger NEXT_VMID = new AtomicInteger(450);
    static Path memhog;


    @BeforeAll
    static void workload() throws Exception {
        memhog = buildWorkload("memhog.c");
    }

    /** A counter container on h1 whose workload keeps {@code mib} MiB touched and checked. */
    TestVm runningOnH1(String strategy, int mib) throws Exception {
        int id = NEXT_VMID.getAndIncrement();
        OnedMessages.userAttribute(id, "ONEHAUL_MIGRATION_STRATEGIES", strategy);
        // the container's memory limit must hold the workload; and on this test bed both copies share one
        // cgroup tree while the source is held (shared notes), so room for two
        OnedMessages.memoryMb(id, 2 * mib + 256);
        TestVm vm = counterVmOnH1(id, false);
        tb.execOk("h1", "cp " + memhog + " " + vm.sysdir() + "/disk.0/memhog");
        TestVm running = deployOnH1(vm);
        tb.execOk("h1", "lxc-attach -n one-" + id + " -- /bin/sh -c 'setsid /memhog " + mib
                + " </dev/null >/dev/null 2>&1 &'");
        // filled and checked once: the process is up and its memory touched
        tb.execOk("h1", "for i in $(seq 1 300); do r=$(lxc-attach -n one-" + id + " -- /bin/sh -c "
                + "'grep VmRSS /proc/$(pidof memhog)/status' 2>/dev/null | tr -dc 0-9); "
                + "[ -n \"$r\" ] && [ \"$r\" -ge " + (mib * 1024L) + " ] && exit 0; sleep 0.2; done; "
                + "echo \"rss=$r\"; lxc-attach -n one-" + id + " -- ps; exit 1");
        advancing(tb, "h1", running);
        return running;
    }

    /** The workload runs on {@code host} and never found a wrong page. */
    void assertMemoryIntact(String host, TestVm vm) throws Exception {
        Thread.sleep(1500); // several full checks of its memory after the move
        assertEquals(0, tb.exec(host, "lxc-attach -n " + vm.deployId() + " -- pidof memhog").exit(),
                "the workload still runs on " + host);
        String bad = tb.execOk(host, "cat " + vm.sysdir() + "/disk.0/memstat 2>/dev/null || true").stdout().strip();
        assertEquals("", bad, "pages read wrong after the move");
    }

    @Test
    void streamed_moves_a_container_with_its_memory_straight_into_the_destinations_page_server() throws Exception {
        TestVm vm = runningOnH1("streamed", 64);
        Tick before = advancing(tb, "h1", vm);

        Outcome out = migrate.liveMigrate(vm, vm.onHost("h2", 100, 3));

        assertEquals("MIGRATE SUCCESS " + vm.id() + " -", out.reply(), out.allStderr());
        TestVm moved = vm.onHost("h2", 100, 3);
        assertEquals(before.bootId(), advancing(tb, "h2", moved).bootId());
        assertMemoryIntact("h2", moved);
        assertTrue(out.allStderr().contains("migration success: streamed h1 -> h2"), out.allStderr());
        assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()));
        // the pages went to the page server: the source never wrote them, the final copy did not carry them
        String report = Files.readString(oned.logDir().resolve("onehaul-migrations.jsonl"));
        assertTrue(report.contains("\"strategy\":\"streamed\"") && report.contains("\"phase\":\"page_server\""), report);
        assertFalse(Files.exists(Path.of(TunnelPidFiles.pageServer(vm.deployId()))), "the tunnel is gone");
    }

    @Test
    void post_copy_restores_at_once_and_every_page_arrives() throws Exception {
        TestVm vm = runningOnH1("post-copy", 128);
        Tick before = advancing(tb, "h1", vm);

        Outcome out = migrate.liveMigrate(vm, vm.onHost("h2", 100, 3));

        assertEquals("MIGRATE SUCCESS " + vm.id() + " -", out.reply(), out.allStderr());
        TestVm moved = vm.onHost("h2", 100, 3);
        assertEquals(before.bootId(), advancing(tb, "h2", moved).bootId());
        assertMemoryIntact("h2", moved);
        assertTrue(out.allStderr().contains("migration success: post-copy h1 -> h2"), out.allStderr());
        assertTrue(out.allStderr().contains("every page of " + vm.deployId() + " reached h2"), out.allStderr());
        assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()), "released only after the last page");
    }

    @Test
    void post_copy_whose_page_source_dies_mid_transfer_never_runs_on_with_missing_pages() throws Exception {
        // the page source (the source's dump) is killed while h2 pulls
        Struck r = postCopyStruckWhilePulling(300, vm -> tb.execOk("h1", "pkill -KILL -f '[c]riu .*dump.* "
                + vm.sysdir() + "/.migration/images'"), vm -> { });
        assertTrue(r.out().allStderr().contains("POST-COPY FAILED on h2"), "said loudly in the VM log: " + r.out().allStderr());
        assertTrue(r.out().allStderr().contains("before every page arrived; the destination copy was killed"),
                r.out().allStderr());
        assertEquals(1, tb.exec("h1", "nsenter -t $(lxc-info -n " + r.vm().deployId() + " -p -H) -n iptables -L CRIU")
                .exit(), "CRIU's network lock was cleared");
    }

    /**
     * The link between the two hosts goes silent (every packet dropped both ways; the front-end still reaches
     * both) while the destination pulls pages: CRIU's page service on the source sees its stream end as if
     * it were done, and must not end the held tasks. The stall is found by bytes, the destination copy is
     * killed before it could read a missing page, and the source goes on with its memory whole.
     */
    @Test
    void post_copy_cut_silently_between_the_hosts_leaves_the_source_to_resume_with_its_memory() throws Exception {
        String h1 = tb.ip("h1");
        String h2 = tb.ip("h2");
        Struck r = postCopyStruckWhilePulling(1500, vm -> {
            tb.execOk("h1", "iptables -I INPUT -s " + h2 + " -j DROP && iptables -I OUTPUT -d " + h2 + " -j DROP");
            tb.execOk("h2", "iptables -I INPUT -s " + h1 + " -j DROP && iptables -I OUTPUT -d " + h1 + " -j DROP");
        }, vm -> {
            tb.exec("h1", "iptables -D INPUT -s " + h2 + " -j DROP; iptables -D OUTPUT -d " + h2 + " -j DROP");
            tb.exec("h2", "iptables -D INPUT -s " + h1 + " -j DROP; iptables -D OUTPUT -d " + h1 + " -j DROP");
        });
        assertTrue(r.out().allStderr().contains("POST-COPY FAILED on h2"), r.out().allStderr());
        System.out.println("PARTITION post-copy: cut -> source running again and oned told: " + r.msAfterStrike() + " ms");
    }

    /**
     * Only one direction goes silent: the destination's packets to the source are dropped, the source's still
     * arrive. The page requests never reach the source, so it is the same stall, found by bytes.
     */
    @Test
    void post_copy_cut_one_way_leaves_the_source_to_resume_with_its_memory() throws Exception {
        String h1 = tb.ip("h1");
        Struck r = postCopyStruckWhilePulling(1500, vm -> tb.execOk("h2", "iptables -I OUTPUT -d " + h1 + " -j DROP"),
                vm -> tb.exec("h2", "iptables -D OUTPUT -d " + h1 + " -j DROP"));
        assertTrue(r.out().allStderr().contains("POST-COPY FAILED on h2"), r.out().allStderr());
        System.out.println("PARTITION post-copy: one-way cut h2->h1 -> source running again and oned told: "
                + r.msAfterStrike() + " ms");
    }

    /**
     * The driver is killed while the destination pulls pages: the pull goes on without it, and oned then runs
     * failmigrate, which keeps the VM where oned has it (the source, whose tasks were left stopped with their
     * memory) and removes the destination's copy, its tunnel and its pid file: one copy, every page.
     */
    @Test
    void post_copy_whose_driver_is_killed_while_pulling_is_settled_by_failmigrate_with_one_copy() throws Exception {
        TestVm vm = runningOnH1("post-copy", 512);
        Tick before = advancing(tb, "h1", vm);
        shapeH2(100);
        try {
            CompletableFuture<Outcome> move = moveUntilPulling(vm);
            Thread.sleep(1000);
            Proc.sh("pkill -KILL -f '[v]mm migrate " + vm.deployId() + " '", 10).requireOk("killing the driver");
            Outcome out = move.get(300, TimeUnit.SECONDS);

            assertFalse(out.success(), out.allStderr());
            assertEquals(List.of("tm premigrate", "vmm migrate", "tm failmigrate"), out.steps());
            Proc.Result fail = out.results().get(2);
            assertEquals(0, fail.exit(), "failmigrate settled it: " + fail.stderr());
            assertEquals("UNDEFINED", lxcState(tb, "h2", vm.deployId()), "no copy on h2");
            assertEquals("RUNNING", lxcState(tb, "h1", vm.deployId()));
            assertEquals(before.bootId(), advancing(tb, "h1", vm).bootId(), "the source resumed, it did not restart");
            assertMemoryIntact("h1", vm);
            assertEquals(1, tb.exec("h1", "ls " + TunnelPidFiles.HOME + "/" + vm.deployId() + "/*.pid 2>/dev/null | grep -q .")
                    .exit(), "no tunnel pid file left");
            assertEquals(1, tb.exec("h1", "pgrep -f '[s]sh .*-R 127.0.0.1:'").exit(), "no tunnel left");
            assertEquals(1, tb.exec("h1", "test -e " + vm.sysdir() + "/.migration").exit(), "no work folder left");
        } finally {
            clearH2();
        }
    }

    /**
     * The source's end of the page stream goes (its SSH tunnel ends, as when its keepalives give up): CRIU's
     * page service sees the stream end as if every page had been sent. Its tasks are left stopped, not
     * ended, so the rollback resumes them with their memory.
     */
    @Test
    void post_copy_whose_page_stream_ends_at_the_source_leaves_the_source_to_resume() throws Exception {
        Struck r = postCopyStruckWhilePulling(1000, vm -> tb.execOk("h1", "kill \"$(cat "
                + TunnelPidFiles.lazyPages(vm.deployId()) + ")\""), vm -> { });
        System.out.println("PARTITION post-copy: source tunnel ended -> source running again and oned told: "
                + r.msAfterStrike() + " ms");
    }

    /**
     * The source host falls silent to everyone, the destination and the front-end alike, while the destination
     * pulls: the driver cannot tell the source to resume, so nothing is destroyed. The destination's copy is
     * frozen, not killed; the VM log says where each part is and names the command that settles it; once the
     * source answers, that command resumes it with every page and removes the copy on the destination.
     */
    @Test
    void post_copy_whose_source_falls_silent_to_everyone_keeps_both_copies_until_the_named_command_settles_it()
            throws Exception {
        TestVm vm = runningOnH1("post-copy", 512);
        Tick before = advancing(tb, "h1", vm);
        String cut = "iptables -I INPUT ! -i lo -j DROP && iptables -I OUTPUT ! -o lo -j DROP";
        String heal = "iptables -D INPUT ! -i lo -j DROP; iptables -D OUTPUT ! -o lo -j DROP";
        shapeH2(100);
        try {
            CompletableFuture<Outcome> move = moveUntilPulling(vm);
            Thread.sleep(1500);
            tb.execOk("h1", cut);
            long struck = System.nanoTime();
            Outcome out = move.get(300, TimeUnit.SECONDS);
            long ms = (System.nanoTime() - struck) / 1_000_000;

            assertFalse(out.success(), out.allStderr());
            assertTrue(out.reply().contains("NOTHING DESTROYED, BOTH COPIES HELD"), out.reply());
            assertTrue(out.reply().contains("memory is whole on h1"), out.reply());
            assertEquals("FROZEN", lxcState(tb, "h2", vm.deployId()), "the destination's copy is kept, frozen");
            java.util.regex.Matcher settle = java.util.regex.Pattern.compile("'onehaul (tm settle [^']+)'")
                    .matcher(out.reply());
            assertTrue(settle.find(), out.reply());
            System.out.println("PARTITION post-copy: source silent to all -> both copies held and oned told: " + ms + " ms");

            tb.exec("h1", heal);
            Proc.Result settled = oned.operator(List.of(settle.group(1).split(" ")));
            assertEquals(0, settled.exit(), settled.stderr());
            assertEquals("UNDEFINED", lxcState(tb, "h2", vm.deployId()), "the copy on h2 is gone");
            assertEquals(1, tb.exec("h2", "test -e " + vm.onHost("h2", 100, 3).sysdir()).exit(), "and its folder");
            assertEquals("RUNNING", lxcState(tb, "h1", vm.deployId()));
            assertEquals(before.bootId(), advancing(tb, "h1", vm).bootId(), "the source resumed, it did not restart");
            assertMemoryIntact("h1", vm);
            Proc.Result again = oned.operator(List.of(settle.group(1).split(" ")));
            assertEquals(0, again.exit(), "settling twice changes nothing: " + again.stderr());
            assertEquals("RUNNING", lxcState(tb, "h1", vm.deployId()));
        } finally {
            tb.exec("h1", heal);
            clearH2();
        }
    }

    private static void shapeH2(int mbit) throws Exception {
        Proc.Result shape = Proc.run(List.of("bash", Repo.root().resolve("testbed/testbed.sh").toString(), "link", "h2",
                "tbf", Integer.toString(mbit)), Repo.root(), java.util.Map.of(), new byte[0], 60);
        assertEquals(0, shape.exit(), shape.stderr());
    }

    private static void clearH2() {
        Proc.run(List.of("bash", Repo.root().resolve("testbed/testbed.sh").toString(), "link", "h2", "clear"),
                Repo.root(), java.util.Map.of(), new byte[0], 60);
    }

    /** Something done to the test bed in the middle of a post-copy pull (and undone after). */
    interface Fault {
        void on(TestVm vm) throws Exception;
    }

    /** What a fault led to: the VM, what oned was told, and how long after the fault the driver answered. */
    record Struck(TestVm vm, Outcome out, long msAfterStrike) {}

    /**
     * Moves a container whose workload checks 512 MiB by post-copy from h1 to h2 over a 100 Mbit/s link (so
     * pages are still in flight), {@code strike}s {@code afterMs} after h2 runs it and pulls, and checks the
     * promise: the move failed, no copy on h2, the source runs on with the same processes and every page.
     */
    private Struck postCopyStruckWhilePulling(long afterMs, Fault strike, Fault heal) throws Exception {
        TestVm vm = runningOnH1("post-copy", 512);
        Tick before = advancing(tb, "h1", vm);
        shapeH2(100);
        try {
            CompletableFuture<Outcome> move = moveUntilPulling(vm);
            Thread.sleep(afterMs);
            strike.on(vm);
            long struck = System.nanoTime();
            Outcome out = move.get(300, TimeUnit.SECONDS);
            long ms = (System.nanoTime() - struck) / 1_000_000;

            assertFalse(out.success(), out.allStderr());
            assertTrue(out.reply().contains("still running on h1"), out.reply());
            assertEquals("UNDEFINED", lxcState(tb, "h2", vm.deployId()), "no destination copy runs on");
            assertEquals("RUNNING", lxcState(tb, "h1", vm.deployId()));
            assertEquals(before.bootId(), advancing(tb, "h1", vm).bootId(), "the source resumed, it did not restart");
            assertMemoryIntact("h1", vm);
            return new Struck(vm, out, ms);
        } finally {
            heal.on(vm);
            clearH2();
        }
    }

    /** Starts the move of {@code vm} to h2 with post-copy; returns once h2 runs it and pulls its pages. */
    private CompletableFuture<Outcome> moveUntilPulling(TestVm vm) {
        CompletableFuture<Outcome> move = CompletableFuture.supplyAsync(() -> {
            try {
                return migrate.liveMigrate(vm, vm.onHost("h2", 100, 3));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        tb.execOk("h2", "for i in $(seq 1 1500); do [ \"$(lxc-info -n " + vm.deployId() + " -s -H 2>/dev/null)\" = RUNNING ] "
                + "&& pgrep -f '[l]azy-guard.pl' >/dev/null && exit 0; sleep 0.02; done; exit 1");
        return move;
    }
}
