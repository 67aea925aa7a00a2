package io.onehaul.vmm;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static io.onehaul.testsupport.CounterContainer.lxcState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.CounterContainer.Tick;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.OnedMigrationHarness.Outcome;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * oned runs the migrations of different VMs at once: four containers moved h1 -> h2 together, each by its own
 * driver process in oned's order (premigrate, migrate, postmigrate or failmigrate). Every one either moved or
 * rolled back cleanly, and each runs exactly once afterwards with its counter going on; the streamed ones
 * each had a page server port of their own and left no tunnel or work folder behind.
 */
@Tag("testbed")
class ParallelMigrationsOnTestBedTest extends ContainersOnTestBed {
    private static final AtomicInteger NEXT_VMID = new AtomicInteger(730);
    private static final int AT_ONCE = 4;
    private static final Pattern PAGE_PORT = Pattern.compile("CRIU page server on h2 \\(port (\\d+)\\)");

    @Test
    void four_stop_and_copy_migrations_at_once_each_end_with_one_running_copy() throws Exception {
        List<Outcome> outs = fourAtOnce("stop-and-copy");
        assertTrue(outs.stream().allMatch(Outcome::success), "all moved here (nothing fails them)");
    }

    @Test
    void four_streamed_migrations_at_once_use_four_page_server_ports() throws Exception {
        List<Outcome> outs = fourAtOnce("streamed");
        Set<String> ports = new HashSet<>();
        for (Outcome o : outs) {
            Matcher m = PAGE_PORT.matcher(o.allStderr());
            assertTrue(m.find(), o.allStderr());
            assertTrue(ports.add(m.group(1)), "port " + m.group(1) + " chosen twice");
        }
        assertTrue(outs.stream().allMatch(Outcome::success), "all moved here (nothing fails them)");
    }

    private List<Outcome> fourAtOnce(String strategy) throws Exception {
        List<TestVm> vms = new ArrayList<>();
        List<Tick> before = new ArrayList<>();
        for (int i = 0; i < AT_ONCE; i++) {
            int id = NEXT_VMID.getAndIncrement();
            OnedMessages.userAttribute(id, "ONEHAUL_MIGRATION_STRATEGIES", strategy);
            vms.add(deployOnH1(counterVmOnH1(id, true)));
        }
        for (TestVm vm : vms) {
            before.add(advancing(tb, "h1", vm));
        }
        ExecutorService pool = Executors.newFixedThreadPool(AT_ONCE);
        List<Future<Outcome>> running = new ArrayList<>();
        try {
            for (TestVm vm : vms) {
                running.add(pool.submit(() -> migrate.liveMigrate(vm, vm.onHost("h2", 100, 3))));
            }
            List<Outcome> outs = new ArrayList<>();
            for (Future<Outcome> f : running) {
                outs.add(f.get(600, TimeUnit.SECONDS));
            }
            for (int i = 0; i < AT_ONCE; i++) {
                assertOneCopyGoingOn(vms.get(i), before.get(i), outs.get(i), strategy);
            }
            record(strategy, outs);
            return outs;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The outcomes for the report, appended to target/parallel-migrations.txt. */
    private static void record(String strategy, List<Outcome> outs) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        for (Outcome o : outs) {
            o.allStderr().lines().filter(l -> l.contains("migration success") || l.contains("not migrated")
                    || l.contains("CRIU page server on")).forEach(l -> sb.append(strategy).append(": ").append(l).append('\n'));
        }
        java.nio.file.Files.writeString(io.onehaul.testsupport.Repo.root().resolve("target/parallel-migrations.txt"),
                sb.toString(), java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }

    /** Moved (runs on h2 only) or rolled back (runs on h1 only, said so); either way the same processes count on. */
    private void assertOneCopyGoingOn(TestVm vm, Tick before, Outcome out, String strategy) throws Exception {
        TestVm there = vm.onHost("h2", 100, 3);
        String log = out.reply() + "\n" + out.allStderr();
        String runsOn = out.success() ? "h2" : "h1";
        String notOn = out.success() ? "h1" : "h2";
        if (out.success()) {
            assertTrue(out.allStderr().contains("migration success: " + strategy + " h1 -> h2"), log);
        } else {
            assertTrue(out.reply().contains("still running on h1"), log);
        }
        assertEquals("RUNNING", lxcState(tb, runsOn, vm.deployId()), log);
        assertEquals("UNDEFINED", lxcState(tb, notOn, vm.deployId()), log);
        Tick after = advancing(tb, runsOn, out.success() ? there : vm);
        assertEquals(before.bootId(), after.bootId(), log);
        assertTrue(after.count() > before.count(), log);
        for (String h : List.of("h1", "h2")) {
            assertEquals(1, tb.exec(h, "test -e " + vm.sysdir() + "/.migration").exit(), "work folder left on " + h);
        }
        assertEquals(1, tb.exec("h1", "ls " + TunnelPidFiles.HOME + "/" + vm.deployId() + "/*tunnel.pid* 2>/dev/null | grep -q .").exit(),
                "tunnel pid file left on h1");
    }
}
