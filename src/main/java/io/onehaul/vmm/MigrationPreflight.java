package io.onehaul.vmm;

import io.onehaul.host.HostShell;
import io.onehaul.host.Shell;
import io.onehaul.lxc.DiskPlan;
import io.onehaul.lxc.LxcHost;
import io.onehaul.migration.MigrationRefusedException;
import io.onehaul.migration.MigrationRequest;
import io.onehaul.opennebula.NicXml;
import java.time.Duration;
import java.time.Instant;
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
    private final String transferSsh;

    MigrationPreflight(DriverSettings settings, String transferSsh) {
        this.settings = settings;
        this.transferSsh = transferSsh;
    }

    /** Returns the seconds to add to destination-clock times to put them on the source's clock. */
    double check(MigrationRequest r, LxcHost src, LxcHost dst) {
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
        HostFacts d = HostFacts.gather(dst.shell(), dst.lxcPath(), r.container(), settings.criu().env(),
                HostFacts.freeBytesQuery(r.destinationSysdir()), bridges);
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
        if (no.isEmpty()) {
            var reach = src.shell().run(transferSsh + " -o ConnectTimeout=5 " + Shell.quote(r.destinationHost()) + " true",
                    Duration.ofSeconds(20));
            if (!reach.ok()) {
                no.add(r.sourceHost() + " cannot reach " + r.destinationHost() + " over SSH for the copy: " + reach.reason());
            }
        }
        if (!no.isEmpty()) {
            throw new MigrationRefusedException("pre-flight refused: " + String.join("; ", no));
        }
        double offset = offsetSeconds(s.get("now"), fa0, fa1, d.get("now"), fa1, fb1);
        log.info("pre-flight ok: {} -> {} ({} MiB to copy, {} MiB free, criu {} / {}, clock offset {} ms)",
                r.sourceHost(), r.destinationHost(), s.number("used") >> 20, free >> 20, s.get("criu"), d.get("criu"),
                Math.round(offset * 1000));
        return offset;
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
