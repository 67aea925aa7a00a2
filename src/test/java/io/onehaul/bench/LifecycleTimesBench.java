package io.onehaul.bench;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static io.onehaul.testsupport.CounterContainer.placeRootDisk;

import io.onehaul.testsupport.CounterContainer;
import io.onehaul.testsupport.DriverHarness;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.Proc;
import io.onehaul.testsupport.Repo;
import io.onehaul.testsupport.TestBed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a test: prints how long each lxc_live lifecycle action takes on the test bed, end to end as oned
 * would see it (shim → JVM → SSH → lxc/criu), median of 5, beside the bare host command for the same
 * step (the baseline, measured in the same run). Run by bench/lifecycle-times.sh; excluded from the suite.
 */
@Tag("bench")
class LifecycleTimesBench {
    static final int RUNS = 5;

    @TempDir Path work;

    @Test
    void print_lifecycle_action_times() throws Exception {
        TestBed tb = TestBed.get();
        DriverHarness oned = DriverHarness.forTestBed(tb, work);
        Map<String, List<Double>> driver = new LinkedHashMap<>();
        Map<String, List<Double>> bare = new LinkedHashMap<>();
        BARE.set(bare);
        for (int i = 0; i < RUNS; i++) {
            TestVm vm = new TestVm(900 + i, "h1", 100, "", 2, tb.nicBridge(), "10.232.1." + (50 + i),
                    "/sbin/onehaul-counter");
            TestVm running = vm.deployed("one-" + vm.id());
            try {
                placeRootDisk(tb, vm, true);
                String ck = vm.sysdir() + "/checkpoint";
                String msg = OnedMessages.message(running, "h1", "", 100, ck, "", "");
                time(driver, "deploy", () -> oned.vmm("deploy", List.of("/var/lib/one/vms/" + vm.id() + "/deployment.0", "h1"),
                        vm.id(), "h1", OnedMessages.vm(vm)));
                advancing(tb, "h1", running);
                time(driver, "save", () -> oned.vmm("save", List.of(running.deployId(), ck, "h1"), vm.id(), "h1", msg));
                time(driver, "restore", () -> oned.vmm("restore", List.of(ck, "h1", running.deployId()), vm.id(), "h1", msg));
                advancing(tb, "h1", running);
                time(driver, "reboot", () -> oned.vmm("reboot", List.of(running.deployId(), "h1"), vm.id(), "h1", msg));
                time(driver, "reset", () -> oned.vmm("reset", List.of(running.deployId(), "h1"), vm.id(), "h1", msg));
                time(driver, "shutdown", () -> oned.vmm("shutdown", List.of(running.deployId(), "h1"), vm.id(), "h1", msg));
                time(driver, "deploy (again)", () -> oned.vmm("deploy", List.of("/var/lib/one/vms/" + vm.id() + "/deployment.1", "h1"),
                        vm.id(), "h1", OnedMessages.vm(vm)));
                time(driver, "cancel", () -> oned.vmm("cancel", List.of(running.deployId(), "h1"), vm.id(), "h1", msg));
                // Baseline: the same container, by hand with lxc-start / lxc-checkpoint / lxc-stop.
                Proc.Result again = oned.vmm("deploy", List.of("/var/lib/one/vms/" + vm.id() + "/deployment.2", "h1"),
                        vm.id(), "h1", OnedMessages.vm(vm));
                if (again.exit() != 0) {
                    throw new AssertionError("deploy for the baseline failed: " + again.stderr());
                }
                advancing(tb, "h1", running);
                String n = running.deployId();
                String env = tb.value("TB_CRIU_ENV");
                // Output to /dev/null: a daemon these leave behind (LXC's monitor) would hold our pipe open.
                String quiet = " </dev/null >/dev/null 2>&1";
                time(bare, "save", () -> tb.exec("h1", "env " + env + " lxc-checkpoint -n " + n + " -s -D /tmp/bare-" + n + quiet));
                time(bare, "restore", () -> tb.exec("h1", "printf 'mntns-compat-mode\\n' > /tmp/bare-" + n + ".conf; env " + env
                        + " CRIU_CONFIG_FILE=/tmp/bare-" + n + ".conf lxc-checkpoint -n " + n + " -r -D /tmp/bare-" + n + quiet));
                time(bare, "shutdown", () -> tb.exec("h1", "lxc-stop -n " + n + " -t 5" + quiet));
                time(bare, "deploy (again)", () -> tb.exec("h1", "lxc-start -n " + n + quiet + " && lxc-wait -n " + n
                        + " -s RUNNING -t 30"));
                time(bare, "cancel", () -> tb.exec("h1", "lxc-stop -k -n " + n + quiet));
            } finally {
                tb.exec("h1", "rm -rf /tmp/bare-one-" + vm.id() + "*");
                CounterContainer.scrub(tb, "h1", running);
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("lxc_live lifecycle action times on the test bed, ").append(LocalDateTime.now().withNano(0))
                .append(", median of ").append(RUNS).append(" (seconds)\n");
        out.append(String.format("%-16s %10s %14s %8s%n", "action", "lxc_live", "bare lxc-*", "ratio"));
        driver.forEach((action, times) -> {
            List<Double> b = bare.getOrDefault(action, List.of());
            double m = median(times);
            double mb = b.isEmpty() ? Double.NaN : median(b);
            out.append(String.format("%-16s %10.2f %14s %8s%n", action, m, b.isEmpty() ? "-" : String.format("%.2f", mb),
                    b.isEmpty() ? "-" : String.format("%.2f", m / mb)));
        });
        out.append("lxc_live includes the JVM start, the SSH connection and the checks each action makes;\n")
                .append("bare is the one lxc-* command run directly on the host (no JVM, no SSH).\n");
        System.out.print(out);
        Path results = Repo.root().resolve("bench/results");
        Files.createDirectories(results);
        Files.writeString(results.resolve("lifecycle-times.txt"), out.toString());
    }

    static final ThreadLocal<Map<String, List<Double>>> BARE = new ThreadLocal<>();

    interface Step {
        Proc.Result run() throws Exception;
    }

    static void time(Map<String, List<Double>> into, String action, Step step) throws Exception {
        long t0 = System.nanoTime();
        Proc.Result r = step.run();
        double s = (System.nanoTime() - t0) / 1e9;
        if (r.exit() != 0 && into == BARE.get()) {
            // The baseline is for comparison only: a by-hand step that fails is left out of the table.
            System.err.println("baseline " + action + " failed (exit " + r.exit() + "), not counted");
            return;
        }
        if (r.exit() != 0) {
            throw new AssertionError(action + " failed: " + r.stderr());
        }
        into.computeIfAbsent(action, k -> new ArrayList<>()).add(s);
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(Double::compare);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
