package io.onehaul.bench;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.onehaul.testsupport.CounterContainer;
import io.onehaul.testsupport.DriverHarness;
import io.onehaul.testsupport.GuestTestBed;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.OnedMigrationHarness;
import io.onehaul.testsupport.OnedMigrationHarness.Outcome;
import io.onehaul.testsupport.Proc;
import io.onehaul.testsupport.Repo;
import io.onehaul.testsupport.TestBed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a test: the migration strategies measured in the stock-kernel guest (testbed/guest.sh, hosts g1 and
 * g2), where CRIU can pre-dump, so pre-copy and hybrid run for real next to streamed, post-copy and the
 * baseline stop-and-copy, in the same guest and the same run (issue 16, item 5). Per dirty rate one
 * container runs bench/src/writer.c, deployed fresh on g1 for every move; it moves to g2 once per strategy, through the TM and
 * lxc_live shims as oned runs them, with ONEHAUL_MIGRATION_STRATEGIES = that strategy. Each move records
 * the report's freezeSeconds, totalSeconds, bytesMoved and pre-dump rounds, and the writer's largest
 * heartbeat gap (reset with SIGHUP right before the move) once it has verified all its memory again on the
 * destination. Absolute times under TCG emulation mean little: the ratios to stop-and-copy of the same run
 * are what to read.
 *
 * <p>Runs only with {@code ONEHAUL_BENCH=guest} (bench/guest-strategies.sh), otherwise skipped with the
 * reason; also tagged "bench", which the normal suite excludes. Settings (environment):
 * {@code ONEHAUL_BENCH_MIB} (writer memory, default 256), {@code ONEHAUL_BENCH_DIRTY} (writer dirty
 * percentages, default "0 1"), {@code ONEHAUL_BENCH_STRATEGIES} (default "stop-and-copy pre-copy hybrid
 * streamed post-copy"), {@code ONEHAUL_BENCH_OUT} (path without extension for the .tsv and .txt, default
 * bench/results/guest-strategies-<stamp>), {@code ONEHAUL_BENCH_CMD} (the command line, for the .txt),
 * {@code ONEHAUL_BENCH_ATTEMPTS} (tries per cell, default 2).
 * Both files are rewritten after every move, so a run cut short keeps what it measured.
 */
@Tag("bench")
class GuestStrategiesBench {
    private static final String DIR = "/var/tmp/onehaul-guest-bench";
    private static final String IMAGE = DIR + "/counter.ext4";
    private static final String WRITER = DIR + "/writer";
    private static final String BASELINE = "stop-and-copy";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path work;
    /** Moves that failed and were tried again: listed in the .txt, not in the table. */
    private final List<Row> failedAttempts = new ArrayList<>();

    record Row(String strategy, int mib, int dirty, String from, String to, boolean ok, String reason, double freeze,
               double gap, double total, long bytes, long presyncBytes, int rounds, long errors, String summary,
               List<String> notes, String phases) {
        String workload() {
            return dirty == 0 ? "idle" : "writer" + dirty + "pct";
        }
    }

    @Test
    void measure_strategies_in_the_guest() throws Exception {
        assumeTrue("guest".equals(System.getenv("ONEHAUL_BENCH")),
                "skipped: a benchmark, not a test; bench/guest-strategies.sh runs it (ONEHAUL_BENCH=guest)");
        int mib = Integer.parseInt(env("ONEHAUL_BENCH_MIB", "256"));
        List<Integer> dirties = Arrays.stream(env("ONEHAUL_BENCH_DIRTY", "0 1").trim().split("[ ,]+"))
                .map(Integer::parseInt).toList();
        List<String> strategies = Arrays.asList(env("ONEHAUL_BENCH_STRATEGIES",
                "stop-and-copy pre-copy hybrid streamed post-copy").trim().split("[ ,]+"));
        int attempts = Integer.parseInt(env("ONEHAUL_BENCH_ATTEMPTS", "2"));
        String stamp = Instant.now().truncatedTo(ChronoUnit.MINUTES).toString().replaceAll("[-:]", "")
                .replace("T", "-").replace("Z", "");
        Path out = Path.of(env("ONEHAUL_BENCH_OUT", Repo.root().resolve("bench/results/guest-strategies-" + stamp).toString()));
        Files.createDirectories(out.toAbsolutePath().getParent());
        String started = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();

        TestBed tb = GuestTestBed.get();
        String guestInfo = Proc.sh("bash " + Repo.root().resolve("testbed/guest.sh") + " status 2>&1 | sed -n 2p", 60)
                .stdout().strip();
        DriverHarness oned = DriverHarness.forTestBed(tb, work);
        OnedMigrationHarness migrate = new OnedMigrationHarness(oned);
        prepareGuest(tb);

        List<Row> rows = new ArrayList<>();
        List<String> log = new ArrayList<>();
        for (int d = 0; d < dirties.size(); d++) {
            int dirty = dirties.get(d);
            int id = 870 + d;
            TestVm vm = new TestVm(id, "g1", 100, "", 2, tb.nicBridge(), "10.232.1." + (id % 200 + 10),
                    "/sbin/onehaul-counter");
            TestVm running = vm.deployed("one-" + id);
            try {
                // both copies exist during a held migration: room for two writers and the counter
                OnedMessages.memoryMb(id, 2 * mib + 512);
                for (String strategy : strategies) {
                    // Every move starts from a container deployed fresh on g1 and goes to g2: the final
                    // dump of pre-copy failed at once (lxc-checkpoint, no CRIU log) on a container that an
                    // earlier move had restored (g2 -> g1 after g1 -> g2, 2 of 2), so no cell inherits one.
                    // A failed move is tried once more, on a fresh container again.
                    for (int attempt = 1; attempt <= attempts; attempt++) {
                        for (String h : tb.hosts()) {
                            CounterContainer.scrub(tb, h, running);
                        }
                        prepareGuest(tb);
                        running = vm.deployed("one-" + id);
                        deployWithWriter(tb, oned, vm, running, mib, dirty);
                        running = running.onHost("g1", 100, 3);
                        String src = running.host();
                        String dst = src.equals("g1") ? "g2" : "g1";
                        Row row;
                        try {
                            row = moveOnce(tb, oned, migrate, running, dst, strategy, mib, dirty);
                        } catch (Exception | AssertionError e) {
                            row = new Row(strategy, mib, dirty, src, dst, false, "bench step failed: "
                                    + String.valueOf(e.getMessage()).strip().replaceAll("\\s+", " "), Double.NaN,
                                    Double.NaN, Double.NaN, -1, 0, 0, 0, "", List.of(), "");
                        }
                        System.out.println("BENCH " + line(row));
                        String where = row.ok() ? dst : runningOn(tb, running);
                        if (where == null) {
                            log.add("after " + strategy + " (attempt " + attempt + ", " + dirty
                                    + " %) the container ran nowhere");
                        } else {
                            running = running.onHost(where, 100, 3);
                        }
                        if (row.ok() || attempt == attempts) {
                            rows.add(row);
                        } else {
                            failedAttempts.add(row);
                        }
                        write(out, rows, log, mib, started, guestInfo);
                        if (row.ok()) {
                            break;
                        }
                    }
                }
            } finally {
                for (String h : tb.hosts()) {
                    CounterContainer.scrub(tb, h, running);
                }
            }
        }
        write(out, rows, log, mib, started, guestInfo);
        System.out.print(Files.readString(Path.of(out + ".txt")));
    }

    /** The writer binary and the rootfs image in the guest's /var/tmp (shared by g1 and g2), once per boot. */
    private static void prepareGuest(TestBed tb) throws Exception {
        tb.execOk("g1", "mkdir -p " + DIR);
        if (tb.exec("g1", "test -s " + IMAGE).exit() != 0) {
            tb.buildImage(true, Path.of(IMAGE));
        }
        if (tb.exec("g1", "test -x " + WRITER).exit() == 0) {
            return;
        }
        Path bin = Files.createTempDirectory("onehaul-bench").resolve("writer");
        Proc.run(List.of("gcc", "-O2", "-static", "-pthread", "-o", bin.toString(),
                Repo.root().resolve("bench/src/writer.c").toString()), Repo.root(), Map.of(), new byte[0], 120)
                .requireOk("building writer.c");
        Proc.run(List.of("scp", "-q", "-i", tb.value("TB_GUEST_KEY"), "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + tb.value("TB_GUEST_KNOWN_HOSTS"),
                bin.toString(), "root@" + tb.value("TB_GUEST_IP") + ":" + WRITER), null, Map.of(), new byte[0], 120)
                .requireOk("copying the writer into the guest");
    }

    private static void deployWithWriter(TestBed tb, DriverHarness oned, TestVm vm, TestVm running, int mib, int dirty)
            throws Exception {
        tb.execOk("g1", "mkdir -p " + vm.sysdir() + " && cp --sparse=always " + IMAGE + " " + vm.sysdir() + "/disk.0");
        Proc.Result deploy = oned.vmm("deploy", List.of("/var/lib/one/vms/" + vm.id() + "/deployment.0", "g1"), vm.id(),
                "g1", OnedMessages.vm(vm));
        deploy.requireOk("deploy on g1");
        TestVm on = running.onHost("g1", 100, 3);
        String rootfs = on.sysdir() + "/mapper/disk.0";
        tb.execOk("g1", "cp " + WRITER + " " + rootfs + "/writer && lxc-attach -n " + on.deployId()
                + " -- /bin/sh -c 'setsid /writer " + mib + " " + dirty + " </dev/null >/dev/null 2>&1 &'");
        // filling the memory under emulation: up to 5 min
        tb.execOk("g1", "for i in $(seq 1 1500); do grep -q '^ready 1' " + rootfs
                + "/workload.stat 2>/dev/null && exit 0; sleep 0.2; done; cat " + rootfs + "/workload.stat; exit 1");
        CounterContainer.advancing(tb, "g1", on);
    }

    private Row moveOnce(TestBed tb, DriverHarness oned, OnedMigrationHarness migrate, TestVm running, String dst,
                         String strategy, int mib, int dirty) throws Exception {
        String src = running.host();
        String name = running.deployId();
        OnedMessages.userAttribute(running.id(), "ONEHAUL_MIGRATION_STRATEGIES", strategy);
        Path reports = oned.logDir().resolve("onehaul-migrations.jsonl");
        long n0 = Files.exists(reports) ? Files.readAllLines(reports).size() : 0;
        // the gap counts from here: SIGHUP resets the writer's largest heartbeat gap
        tb.execOk(src, "lxc-attach -n " + name + " -- /bin/sh -c 'kill -HUP $(pidof writer)'");
        Thread.sleep(300);
        Map<String, String> before = stat(tb, src, running);
        Outcome out = migrate.liveMigrate(running, running.onHost(dst, 100, 3));
        String stderr = out.allStderr();
        String summary = stderr.lines().filter(l -> l.contains("migration ") && l.contains(" -> "))
                .reduce((a, b) -> b).orElse("").strip();
        List<String> lines = Files.exists(reports) ? Files.readAllLines(reports) : List.of();
        JsonNode r = lines.size() > n0 ? JSON.readTree(lines.get(lines.size() - 1)) : null;
        double freeze = r != null && r.hasNonNull("freezeSeconds") ? r.get("freezeSeconds").asDouble() : Double.NaN;
        double total = r != null ? r.path("totalSeconds").asDouble(Double.NaN) : Double.NaN;
        long bytes = r != null ? r.path("bytesMoved").asLong(-1) : -1;
        int rounds = 0;
        long presync = 0;
        StringBuilder phases = new StringBuilder();
        List<String> notes = new ArrayList<>();
        if (r != null) {
            for (JsonNode p : r.path("phases")) {
                String ph = p.path("phase").asText();
                if (ph.equals("pre_dump")) {
                    rounds++;
                }
                if (ph.equals("presync")) {
                    presync += p.path("bytes").asLong(0);
                }
                phases.append(String.format(Locale.ROOT, " %s %.2f", ph, p.path("ms").asLong() / 1000.0));
                if (p.hasNonNull("bytes")) {
                    phases.append(String.format(Locale.ROOT, "/%.1fMiB", p.get("bytes").asLong() / 1048576.0));
                }
            }
            r.path("notes").forEach(n -> notes.add(n.asText()));
        }
        String ran = r != null ? r.path("strategy").asText("?") : "?";
        String reason = "";
        boolean ok = out.success() && r != null && "success".equals(r.path("result").asText());
        if (!ok) {
            reason = r != null ? r.path("result").asText() + ": " + r.path("reason").asText("") : out.reply();
        } else if (!strategy.equals(ran)) {
            ok = false;
            reason = "driver ran " + ran + ", not " + strategy + " (" + r.path("strategyReason").asText("") + ")";
        }
        double gap = Double.NaN;
        long errors = 0;
        if (out.success()) {
            TestVm moved = running.onHost(dst, 100, 3);
            Map<String, String> after = settled(tb, dst, moved);
            if (after == null) {
                ok = false;
                reason = (reason.isEmpty() ? "" : reason + "; ") + "the writer did not go on on " + dst;
            } else {
                gap = Double.parseDouble(after.get("maxgap_ms")) / 1000.0;
                errors = Long.parseLong(after.get("errors")) - Long.parseLong(before.getOrDefault("errors", "0"));
                if (Long.parseLong(after.get("rounds")) <= Long.parseLong(before.getOrDefault("rounds", "0"))) {
                    errors++;   // brought back from an older state: its round counter went back
                }
                if (errors != 0) {
                    ok = false;
                    reason = (reason.isEmpty() ? "" : reason + "; ") + errors + " memory errors";
                }
            }
        }
        return new Row(strategy, mib, dirty, src, dst, ok, reason, freeze, gap, total, bytes, presync, rounds, errors,
                summary, notes, phases.toString().strip());
    }

    /** The writer's status once it has finished two more verification rounds on {@code host}; null if never. */
    private static Map<String, String> settled(TestBed tb, String host, TestVm vm) throws InterruptedException {
        long deadline = System.nanoTime() + 240_000_000_000L;
        Long first = null;
        while (System.nanoTime() < deadline) {
            Map<String, String> s = stat(tb, host, vm);
            if (s.containsKey("rounds") && s.containsKey("maxgap_ms")) {
                long r = Long.parseLong(s.get("rounds"));
                if (first == null) {
                    first = r;
                } else if (r >= first + 2) {
                    return s;
                }
            }
            Thread.sleep(300);
        }
        return null;
    }

    private static Map<String, String> stat(TestBed tb, String host, TestVm vm) {
        String text = tb.exec(host, "cat " + vm.sysdir() + "/mapper/disk.0/workload.stat 2>/dev/null").stdout().strip();
        String[] w = text.split("\\s+");
        Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i + 1 < w.length; i += 2) {
            m.put(w[i], w[i + 1]);
        }
        return m;
    }

    private static String runningOn(TestBed tb, TestVm vm) {
        for (String h : tb.hosts()) {
            Proc.Result r = tb.exec(h, "lxc-info -n " + vm.deployId() + " -s -H 2>/dev/null");
            if (r.exit() == 0 && "RUNNING".equals(r.stdout().strip())) {
                return h;
            }
        }
        return null;
    }

    private static String line(Row r) {
        return String.format(Locale.ROOT, "%s %dMiB %s %s->%s: %s freeze %.3f s, gap %.3f s, total %.3f s, %d bytes, "
                        + "rounds %d, errors %d%s", r.workload(), r.mib(), r.strategy(), r.from(), r.to(),
                r.ok() ? "ok" : "FAILED", r.freeze(), r.gap(), r.total(), r.bytes(), r.rounds(), r.errors(),
                r.ok() ? "" : " (" + r.reason() + ")");
    }

    private static Row baseline(List<Row> rows, Row r) {
        return rows.stream().filter(b -> b.strategy().equals(BASELINE) && b.dirty() == r.dirty() && b.ok())
                .findFirst().orElse(null);
    }

    private static String num(double v, String fmt) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format(Locale.ROOT, fmt, v);
    }

    private static String ratio(double a, double b) {
        return b > 0 && !Double.isNaN(a) ? String.format(Locale.ROOT, "%.2f", a / b) : "-";
    }

    private void write(Path out, List<Row> rows, List<String> log, int mib, String started, String guestInfo)
            throws Exception {
        StringBuilder tsv = new StringBuilder("strategy\tmemory_mib\tworkload\tlink\tfreeze_s\tworkload_gap_s\ttotal_s"
                + "\tbytes\tintegrity_errors\traw_s\tcold_s\trounds\tbytes_per_memory\tfreeze_ratio\tgap_ratio"
                + "\tbytes_ratio\ttotal_ratio\tok\n");
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%-14s %-13s %3s %6s %7s %7s %6s %9s %7s %6s"
                        + " %7s %6s %6s %6s %s%n", "strategy", "workload", "ok", "rounds", "freeze", "gap", "total",
                "MiB", "x_mem", "errors", "freeze/", "gap/", "bytes/", "total/", "(ratios to stop-and-copy, same dirty rate)"));
        for (Row r : rows) {
            Row b = baseline(rows, r);
            boolean ok = r.ok();
            double freeze = ok ? r.freeze() : Double.NaN;
            double gap = ok ? r.gap() : Double.NaN;
            double total = ok ? r.total() : Double.NaN;
            double bytes = ok ? r.bytes() : Double.NaN;
            double perMem = bytes / (r.mib() * 1048576.0);
            String fr = b == null ? "-" : ratio(freeze, b.freeze());
            String gr = b == null ? "-" : ratio(gap, b.gap());
            String br = b == null ? "-" : ratio(bytes, b.bytes());
            String tr = b == null ? "-" : ratio(total, b.total());
            tsv.append(String.join("\t", r.strategy(), Integer.toString(r.mib()), r.workload(), "guest",
                    num(freeze, "%.3f"), num(gap, "%.3f"), num(total, "%.3f"), ok ? Long.toString(r.bytes()) : "-",
                    Long.toString(r.errors()), "-", "-", Integer.toString(r.rounds()), num(perMem, "%.2f"),
                    fr, gr, br, tr, ok ? "1/1" : "0/1")).append('\n');
            table.append(String.format(Locale.ROOT, "%-14s %-13s %3s %6d %7s %7s %6s %9s %7s %6d %7s %6s %6s %6s%n",
                    r.strategy(), r.mib() + "MiB " + r.workload(), ok ? "1/1" : "0/1", r.rounds(), num(freeze, "%.2f"),
                    num(gap, "%.2f"), num(total, "%.1f"), num(bytes / 1048576.0, "%.1f"), num(perMem, "%.2f"),
                    r.errors(), fr, gr, br, tr));
        }
        StringBuilder txt = new StringBuilder();
        txt.append("Migration strategies in the stock-kernel guest (testbed/guest.sh: QEMU TCG, 2 vCPUs, 3 GiB; g1 <-> g2),"
                + " started ").append(started).append(", one run per cell, seconds\n");
        txt.append("guest: ").append(guestInfo).append('\n');
        txt.append("HEAD ").append(Proc.sh("git -C " + Repo.root() + " rev-parse --short HEAD", 10).stdout().strip())
                .append("; load at the end: ").append(Files.readString(Path.of("/proc/loadavg")).strip()).append('\n');
        txt.append("workload: /writer ").append(mib).append(" PCT in a busybox counter container (64 MiB ext4 rootfs"
                + " image); idle = PCT 0 (verifies every page every 100 ms, writes none), writerNpct = N % of the pages"
                + " rewritten every 100 ms (random spread); every move from a container deployed fresh on g1, to g2\n\n");
        txt.append(table).append('\n');
        txt.append("""
                ok = the move succeeded with the strategy asked, the writer went on and found no bad page (one run).
                rounds = pre-dump rounds in the report (phases pre_dump; 0 for strategies that do not iterate).
                freeze = report's freezeSeconds (dump start on the source's clock -> restore confirmed on the
                     destination's); gap = the writer's largest heartbeat gap (10 ms beats) from a SIGHUP right
                     before the move to two verification rounds after it on the destination; total = report's
                     totalSeconds; MiB = report's bytesMoved (all phases, including the pre-sync of the rootfs
                     image); x_mem = bytesMoved / the writer's memory; ratios: this row / stop-and-copy's row of the
                     same dirty rate in this run. The report counts no bytes for the final dump into a page
                     server (its dump phase has none): streamed's memory pages, and the last dirty pages of
                     pre-copy, are missing from its bytesMoved (streamed's MiB is the rootfs pre-sync and the
                     non-page images only).
                Absolute times are under TCG emulation (roughly 5-10x native for these steps): read the ratios.
                """);
        txt.append("\nruns:\n");
        for (Row r : rows) {
            txt.append("  ").append(line(r)).append('\n');
            if (!r.summary().isEmpty()) {
                txt.append("    report: ").append(r.summary()).append('\n');
            }
            txt.append("    phases: ").append(r.phases()).append('\n');
            if (r.presyncBytes() > 0) {
                txt.append(String.format(Locale.ROOT, "    presync bytes (rootfs image): %d%n", r.presyncBytes()));
            }
            for (String n : r.notes()) {
                txt.append("    note: ").append(n).append('\n');
            }
        }
        for (Row r : failedAttempts) {
            txt.append("  failed, tried again: ").append(line(r)).append('\n');
            if (!r.summary().isEmpty()) {
                txt.append("    report: ").append(r.summary()).append('\n');
            }
        }
        if (!log.isEmpty()) {
            txt.append('\n');
            log.forEach(l -> txt.append(l).append('\n'));
        }
        txt.append("\ncommand: ").append(env("ONEHAUL_BENCH_CMD", "mvn test -Dtest=GuestStrategiesBench (ONEHAUL_BENCH=guest)"))
                .append('\n');
        Files.writeString(Path.of(out + ".tsv"), tsv.toString());
        Files.writeString(Path.of(out + ".txt"), txt.toString());
    }

    private static String env(String key, String dflt) {
        String v = System.getenv(key);
        return v == null || v.isBlank() ? dflt : v;
    }
}
