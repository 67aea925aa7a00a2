package io.onehaul.criu;

import static io.onehaul.host.HostShell.QUICK;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostException;
import io.onehaul.host.HostScript;
import io.onehaul.host.HostShell;
import io.onehaul.host.Shell;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CRIU's page server on the destination: it receives the pages a dump streams to it and writes them
 * (pagemap-*.img, pages-*.img) into the image folder the restore reads, so the memory is never written
 * on the source nor copied afterwards. It listens on 127.0.0.1 only (the driver's SSH tunnel reaches it),
 * serves one dump and exits. Its pid is kept in a file so a rollback, or a later cleanup, can end it.
 */
public final class PageServer {
    static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

    private PageServer() {}

    /** Starts it in the background and returns once it listens on 127.0.0.1:port. */
    public static void start(HostShell dst, CriuOptions options, String imagesDir, String workDir, int port) {
        start(dst, options, imagesDir, workDir, port, null);
    }

    /**
     * The same, for a dump that has a parent (a pre-dump round): {@code parent}, relative to
     * {@code imagesDir}, holds the pages the dump will not send again, and the restore follows it there.
     */
    public static void start(HostShell dst, CriuOptions options, String imagesDir, String workDir, int port,
                             String parent) {
        Map<String, String> env = new LinkedHashMap<>(options.env());
        String pid = workDir + "/page-server.pid";
        String cmd = Shell.envPrefix(env) + "criu page-server -D " + Shell.quote(imagesDir) + " --address 127.0.0.1 --port "
                + port + " -o " + Shell.quote(workDir + "/page-server.log") + " -v2"
                + (parent == null ? "" : " --prev-images-dir " + Shell.quote(parent));
        CommandResult r = dst.run(HostScript.withLibrary("mkdir -p " + Shell.quote(imagesDir) + " && start_detached "
                + Shell.quote(pid) + " " + Shell.quote(cmd) + " && wait_for " + READY_TIMEOUT.toMillis() / 20
                + " listening " + port + " || { tail -n 3 " + Shell.quote(workDir + "/page-server.log") + " >&2; exit 1; }"),
                READY_TIMEOUT.plusSeconds(10));
        if (!r.ok()) {
            throw new HostException(dst.host(), "the CRIU page server did not start: " + r.reason());
        }
    }

    /**
     * Waits for it to end by itself (it serves one dump, and that dump waits for its pages to be written
     * before it ends), then ends it if it still runs; idempotent.
     */
    public static void awaitEnd(HostShell dst, String workDir, Duration limit) {
        String pid = Shell.quote(workDir + "/page-server.pid");
        dst.run(HostScript.withLibrary("wait_for " + Math.max(1, limit.toMillis() / 20) + " gone " + pid + "; true"),
                limit.plusSeconds(10));
        stop(dst, workDir);
    }

    /** The bytes of memory pages a page server wrote into {@code imagesDir} (its pages-*.img files). */
    public static long receivedBytes(HostShell dst, String imagesDir) {
        CommandResult r = dst.run("find " + Shell.quote(imagesDir) + " -maxdepth 1 -name 'pages-*.img' -printf '%s\\n'"
                + " | awk '{ s += $1 } END { print s + 0 }'", QUICK);
        if (!r.ok()) {
            throw new HostException(dst.host(), "cannot read what the page server received in " + imagesDir + ": "
                    + r.reason());
        }
        return Long.parseLong(r.stdout().strip());
    }

    /** Ends it if it still runs (a dump that never came, a rollback); idempotent. */
    public static void stop(HostShell dst, String workDir) {
        String pid = Shell.quote(workDir + "/page-server.pid");
        dst.run("[ -f " + pid + " ] && kill $(cat " + pid + ") 2>/dev/null; rm -f " + pid + "; true", QUICK);
    }

    /** The page servers' ports: the first range (one port per VM id, then the rest at random). */
    public static final int PAGE_SERVER_PORTS = 27000;
    /** The lazy page services' ports: a range of their own, so a migration that uses both never asks twice. */
    public static final int LAZY_PAGE_PORTS = 29000;
    /** Ports per range; both ranges stay below Linux's ephemeral ports (32768 and up). */
    static final int RANGE = 2000;
    static final int ATTEMPTS = 20;

    /**
     * A port of {@code rangeStart}'s range that is free on both hosts, for a page service and its tunnel.
     * Migrations of different VMs run at once (oned runs them in parallel), and a probe cannot reserve a
     * port: two of them choosing at random may both find the same one free. So each VM first tries its own
     * port ({@code rangeStart + vmid mod RANGE}), which no other VM's migration asks for unless their ids
     * are RANGE apart; only when that is taken (another service, a leftover of a killed migration) does it
     * try others at random.
     */
    public static int freePort(HostShell a, HostShell b, int rangeStart, int vmid) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = rangeStart + (attempt == 0 ? Math.floorMod(vmid, RANGE)
                    : java.util.concurrent.ThreadLocalRandom.current().nextInt(RANGE));
            String probe = "ss -ltnH 'sport = :" + port + "' | grep -q . && echo busy || echo free";
            if (a.run(probe, QUICK).stdout().strip().equals("free") && b.run(probe, QUICK).stdout().strip().equals("free")) {
                return port;
            }
        }
        throw new HostException(a.host(), "no free port for the page server between " + rangeStart + " and "
                + (rangeStart + RANGE - 1));
    }
}
