package io.onehaul.vmm;

import io.onehaul.host.HostShell;
import io.onehaul.host.Shell;
import io.onehaul.lxc.DiskPlan;
import io.onehaul.lxc.LxcHost;
import io.onehaul.migration.HostFeatures;
import io.onehaul.migration.MigrationRefusedException;
import io.onehaul.migration.MigrationRequest;
import io.onehaul.opennebula.NicXml;
import java.time.Duration;
import java.time.Instant;
import io.onehaul.host.CommandResult;
import io.onehaul.transfer.PathChoice;
import io.onehaul.transfer.PathFinder;
import io.onehaul.transfer.Routes;
import io.onehaul.transfer.SshRoute;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read-only checks before anything moves (issue 3): both hosts reachable, LXC/CRIU/rsync present and
 * working, compatible CRIU, same CPU architecture, room on the destination, its bridges, no container
 * of that name running there, and the source able to reach it for the copy. Any failure refuses the
 * migration with every reason found, and nothing has been changed.
 */
final class MigrationPreflight {
    private static final Logger log = LoggerFactory.getLogger(MigrationPreflight.class);

    private final DriverSettings settings;
    private final Routes routes;
    private final PathChoice.Setting path;

    MigrationPreflight(DriverSettings settings, Routes routes, PathChoice.Setting path) {
        this.settings = settings;
        this.routes = routes;
        this.path = path;
    }


    /** Lazy pages need CRIU's tee pipe to grow to ~3.2 MiB, which the sysctl allows (docs/criu-lxc-notes.md). */
    static final long LAZY_PIPE_MIN_BYTES = 4L << 20;
    /** Bytes sent source → destination over the copy's SSH to measure the link. */
    static final long LINK_PROBE_BYTES = 16L << 20;

    /**
     * @param clockOffsetSeconds seconds to add to destination-clock times to put them on the source's clock
     * @param features           what both hosts can do, and the link and memory measured
     * @param folderBytes        the VM folder's apparent size on the source (what a pre-sync moves at most), -1 unknown
     */
    record Result(double clockOffsetSeconds, HostFeatures features, long folderBytes) {}

    Result check(MigrationRequest r, LxcHost src, LxcHost dst) {
        List<String> no = new ArrayList<>();
        if (r.sameHost()) {
            throw new MigrationRefusedException("a datastore-only live migration (same host " + r.sourceHost()
                    + ") is not supported by lxc_live yet; use a cold migration");
        }
        List<String> bridges = r.vm().nics().stream().map(NicXml::bridge).distinct().toList();
        Instant fa0 = Instant.now();
        HostFacts s = HostFacts.gather(src.shell(), src.lxcPath(), r.container(), settings.criu().env(),
                HostFacts.usedBytesQuery(r.sourceSysdir()), List.of());
        Instant fa1 = Instant.now();
        String profile = s.confinement();
        HostFacts d = HostFacts.gather(dst.shell(), dst.lxcPath(), r.container(), settings.criu().env(),
                HostFacts.freeBytesQuery(r.destinationSysdir())
                        + (profile.isEmpty() ? "" : "; " + HostFacts.profileLoadedQuery(profile)), bridges);
        Instant fb1 = Instant.now();

        if (!"RUNNING".equals(s.get("state"))) {
            no.add(r.container() + " is " + s.get("state") + " on " + r.sourceHost() + ", not RUNNING");
        }
        String dstState = d.get("state");
        if (dstState.equals("RUNNING") || dstState.equals("FROZEN") || dstState.equals("STARTING")) {
            no.add("a container named " + r.container() + " is already " + dstState + " on " + r.destinationHost());
        }
        tools(no, r.sourceHost(), s);
        tools(no, r.destinationHost(), d);
        if (!s.get("arch").equals(d.get("arch"))) {
            no.add("CPU architectures differ: " + s.get("arch") + " on " + r.sourceHost() + ", " + d.get("arch") + " on "
                    + r.destinationHost());
        }
        criuCompatible(no, s.get("criu"), d.get("criu"), r);
        confinement(no, r, s, d);
        if (d.has("missing_bridge")) {
            no.add("bridge(s) " + d.get("missing_bridge") + " missing on " + r.destinationHost());
        }
        long need = Math.max(0, s.number("used")) + (long) r.vm().memoryMb() * 1024 * 1024;
        long free = d.number("free");
        if (!r.sharedDatastore() && free >= 0 && free < need) {
            no.add(String.format("not enough space on %s: %d MiB free, %d MiB needed (VM folder + memory)",
                    r.destinationHost(), free >> 20, need >> 20));
        }
        if (r.sharedDatastore() && rootIsImage(src, r)) {
            no.add("the rootfs is an image on a shared datastore: it cannot be mounted on two hosts at once");
        }
        long link = 0;
        if (no.isEmpty()) {
            chosenPath = PathFinder.open(routes, src.shell(), r.sourceHost(), r.destinationHost(), path);
            SshRoute route = routes.to(r.destinationHost());
            // the link in one round trip: an empty SSH command, then a stream of zeros
            String ssh = route.ssh() + " -o ConnectTimeout=5 " + Shell.quote(route.address());
            var reach = src.shell().run("t0=$(date +%s%N); " + ssh + " true || exit 1; t1=$(date +%s%N); head -c "
                    + LINK_PROBE_BYTES + " /dev/zero | " + ssh + " 'cat >/dev/null' || exit 1; t2=$(date +%s%N); "
                    + "echo $((t1 - t0)) $((t2 - t1))", Duration.ofSeconds(60));
            if (!reach.ok()) {
                no.add(r.sourceHost() + " cannot reach " + r.destinationHost() + " over SSH for the copy: " + reach.reason());
            } else {
                link = linkBytesPerSecond(reach.stdout());
            }
        }
        if (!no.isEmpty()) {
            throw new MigrationRefusedException("pre-flight refused: " + String.join("; ", no));
        }
        double offset = offsetSeconds(s.get("now"), fa0, fa1, d.get("now"), fa1, fb1);
        HostFeatures features = features(r, s, d, link);
        if (features.dirtyTracking()) {
            features = features.withDirtyRate(DirtyRateProbe.bytesPerSecond(src.shell(), src.lxcPath(), r.container()));
        }
        log.info("pre-flight ok: {} -> {} ({} MiB to copy, {} MiB free, criu {} / {}, clock offset {} ms, link {} MiB/s,"
                        + " container memory {} MiB, pre-copy {}, post-copy {})",
                r.sourceHost(), r.destinationHost(), s.number("used") >> 20, free >> 20, s.get("criu"), d.get("criu"),
                Math.round(offset * 1000), link >> 20, features.memoryBytes() >> 20,
                features.dirtyTracking() ? "possible, container writes " + (features.dirtyBytesPerSecond() < 0 ? "?"
                        : features.dirtyBytesPerSecond() >> 20) + " MiB/s" : "not possible",
                features.lazyPages() ? "possible" : "not possible"
                        + (features.missing().isEmpty() ? "" : " (" + features.missing() + ")"));
        return new Result(offset, features, s.number("used"));
    }

    /** The path the copies take (direct or relayed) and why, once {@link #check} ran. */
    private PathChoice.Choice chosenPath;

    PathChoice.Choice chosenPath() {
        return chosenPath;
    }

    /** What the strategies can use: a feature counts only where both hosts have it. */
    static HostFeatures features(MigrationRequest r, HostFacts s, HostFacts d, long link) {
        List<String> missing = new ArrayList<>();
        boolean dirty = s.has("dirty_track") && d.has("dirty_track");
        if (!dirty) {
            missing.add("soft-dirty tracking (criu check --feature mem_dirty_track) on "
                    + both(r, s.has("dirty_track"), d.has("dirty_track")));
        }
        boolean uffd = s.has("uffd") && d.has("uffd");
        if (!uffd) {
            missing.add("userfaultfd (criu check --feature uffd-noncoop) on " + both(r, s.has("uffd"), d.has("uffd")));
        }
        boolean pipes = s.number("pipe_max") >= LAZY_PIPE_MIN_BYTES && d.number("pipe_max") >= LAZY_PIPE_MIN_BYTES;
        if (!pipes) {
            missing.add("fs.pipe-max-size >= " + LAZY_PIPE_MIN_BYTES + " (lazy pages) on "
                    + both(r, s.number("pipe_max") >= LAZY_PIPE_MIN_BYTES, d.number("pipe_max") >= LAZY_PIPE_MIN_BYTES));
        }
        // measured: "uffd: Unable to open an userfaultfd descriptor: Operation not permitted" otherwise
        boolean lazyInUserns = !s.has("idmapped") || d.number("uffd_unprivileged") == 1;
        if (!lazyInUserns) {
            missing.add("vm.unprivileged_userfaultfd = 1 on " + r.destinationHost() + " (the container is unprivileged, "
                    + "and CRIU 4.1 restores its lazy pages from inside its user namespace)");
        }
        long memory = Math.max(0, s.number("mem"));
        return new HostFeatures(dirty, uffd && pipes && lazyInUserns, true, link, memory, String.join("; ", missing));
    }

    /**
     * A container that AppArmor confines on the source is restored under the same profile (CRIU carries
     * its name), so the destination must enforce AppArmor and have that profile loaded: else it would run
     * there unconfined, or not be restored at all.
     */
    static void confinement(List<String> no, MigrationRequest r, HostFacts s, HostFacts d) {
        String profile = s.confinement();
        if (profile.isEmpty()) {
            return;
        }
        if (!"Y".equals(d.get("apparmor"))) {
            no.add(r.container() + " runs confined by AppArmor profile " + profile + " on " + r.sourceHost() + ", and "
                    + r.destinationHost() + " does not enforce AppArmor: it would run there unconfined");
        } else if (!d.has("profile_loaded")) {
            no.add("AppArmor profile " + profile + ", which confines " + r.container() + " on " + r.sourceHost()
                    + ", is not loaded on " + r.destinationHost() + " (LXC's own: apparmor_parser -r "
                    + "/etc/apparmor.d/lxc-containers)");
        }
    }

    private static String both(MigrationRequest r, boolean srcHas, boolean dstHas) {
        return !srcHas && !dstHas ? r.sourceHost() + " and " + r.destinationHost() : !srcHas ? r.sourceHost() : r.destinationHost();
    }

    /** From "connect_ns stream_ns": the probe's bytes over the stream's time less one connection's. */
    static long linkBytesPerSecond(String out) {
        String[] t = out.strip().split("\\s+");
        try {
            long connect = Long.parseLong(t[0]);
            long stream = Long.parseLong(t[1]);
            long transfer = Math.max(stream - connect, 1_000_000L); // at least 1 ms
            return LINK_PROBE_BYTES * 1_000_000_000L / transfer;
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static void tools(List<String> no, String host, HostFacts f) {
        if (f.get("criu").isEmpty()) {
            no.add("criu is not installed on " + host);
        } else if (!f.get("criu_check").equals("ok")) {
            no.add("`criu check` fails on " + host);
        }
        if (!f.get("lxc_checkpoint").equals("yes")) {
            no.add("lxc-checkpoint is not installed on " + host);
        }
        if (!f.get("rsync").equals("yes")) {
            no.add("rsync is not installed on " + host);
        }
    }

    /** Images from an older CRIU restore on a newer one of the same major version, not the other way. */
    static void criuCompatible(List<String> no, String src, String dst, MigrationRequest r) {
        if (src.isEmpty() || dst.isEmpty()) {
            return;
        }
        int[] a = version(src);
        int[] b = version(dst);
        if (a[0] != b[0] || (b[1] < a[1]) || (b[1] == a[1] && b[2] < a[2])) {
            no.add("CRIU " + src + " on " + r.sourceHost() + " and " + dst + " on " + r.destinationHost()
                    + " are not compatible (the destination must have the same major version, not older)");
        }
    }

    static int[] version(String v) {
        int[] out = new int[3];
        String[] parts = v.split("\\.");
        for (int i = 0; i < 3 && i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i].replaceAll("\\D.*", ""));
            } catch (NumberFormatException e) {
                out[i] = 0;
            }
        }
        return out;
    }

    private static boolean rootIsImage(LxcHost src, MigrationRequest r) {
        var kinds = src.probeDisks(r.sourceSysdir(), DiskPlan.filesToProbe(r.vm()));
        return kinds.values().stream().anyMatch(k -> k == DiskPlan.Kind.FILE);
    }

    /** Offset of each host against the front-end from the middle of each call; destination → source. */
    static double offsetSeconds(String srcNow, Instant a0, Instant a1, String dstNow, Instant b0, Instant b1) {
        double src = epoch(srcNow) - mid(a0, a1);
        double dst = epoch(dstNow) - mid(b0, b1);
        return src - dst;
    }

    private static double mid(Instant a, Instant b) {
        return (a.getEpochSecond() + b.getEpochSecond()) / 2.0 + (a.getNano() + b.getNano()) / 2e9;
    }

    private static double epoch(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
