package io.onehaul.criu;

import static io.onehaul.host.HostShell.QUICK;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostException;
import io.onehaul.host.HostScript;
import io.onehaul.host.HostShell;
import io.onehaul.host.Shell;
import io.onehaul.lxc.LxcHost;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A CRIU dump that holds the container frozen at post-dump until told to finish (commit: CRIU ends the
 * source processes) or to abort (CRIU resumes them), the technique Incus uses. An action script
 * passed through a dump-only CRIU config waits for a decision file; it gives up after a hold limit and
 * aborts, so a driver that dies never leaves the source frozen for ever; until the destination's restore
 * begins it aborts within seconds of the driver's death ({@link HoldLease}). Files live in a work folder:
 * images/, hold.sh, dump.conf, dump-start, dumped, decision, dump.rc, dump.out, destination (where the
 * migration goes: "host folder"), serves-pages (post-copy), lease / restore-begun / lease-lost.
 */
public final class HeldDump {
    /** A lazy dump whose peer went away is given 20 s (in 20 ms ticks) to end by itself before SIGKILL. */
    static final int PAGE_SERVICE_END_TICKS = 1000;
    /**
     * The hold aborts by itself when the driver's lease has been gone this long (and the restore has not begun):
     * long enough not to take a slow pid check for a death, short enough that a killed driver costs the
     * workload seconds, not the hold limit.
     */
    public static final Duration LEASE_GRACE = Duration.ofSeconds(2);
    /** The hold script looks at the lease every this many 20 ms ticks (a fork each time). */
    static final int LEASE_CHECK_TICKS = 25;
    /** Where the hold records the destination, for whoever resolves a hold its driver left ({@code StaleHold}). */
    public static final String DESTINATION_FILE = "destination";
    /** Present when the dump serves its pages lazily (post-copy): its restore begins without a mark. */
    public static final String SERVES_PAGES_FILE = "serves-pages";

    private final LxcHost lxc;
    private final CriuOptions options;
    private final String work;
    private final Duration holdLimit;
    private String destination = "";
    private HoldLease lease;

    public HeldDump(LxcHost lxc, CriuOptions options, String workDir, Duration holdLimit) {
        this.lxc = lxc;
        this.options = options;
        this.work = workDir;
        this.holdLimit = holdLimit;
    }

    /** Recorded in the work folder at {@link #start}: the host and folder a restore may use. */
    public HeldDump towards(String host, String folder) {
        this.destination = host + " " + folder;
        return this;
    }

    public String workDir() {
        return work;
    }

    public String imagesDir() {
        return work + "/images";
    }

    /** Starts the dump in the background and returns once the source is frozen with complete images. */
    public Instant start(String name, Duration timeout) {
        return start(name, timeout, List.of(), 0);
    }

    /**
     * Starts the dump with {@code extraConfig} (CRIU options for this dump: page server, lazy pages) in the
     * background. Returns once the source is frozen with complete images; for a lazy dump
     * ({@code lazyPort} &gt; 0) once CRIU serves the pages on 127.0.0.1:lazyPort, since it reaches
     * post-dump (and so the hold) only after the last page has been served.
     */
    public Instant start(String name, Duration timeout, List<String> extraConfig, int lazyPort) {
        HostShell sh = lxc.shell();
        String w = Shell.quote(work);
        sh.check("preparing " + work, "rm -rf " + w + " && mkdir -p " + Shell.quote(imagesDir()), QUICK);
        // A lazy dump reaches post-dump BEFORE it serves its pages (CRIU runs the script, then the lazy page
        // service): holding there would keep the pages from ever being served. Its hold is the page service
        // itself: the tasks stay frozen until the last page is served, and CRIU ends them then.
        sh.writeFile(work + "/hold.sh", holdScript(lazyPort == 0).getBytes(StandardCharsets.UTF_8), QUICK);
        StringBuilder conf = new StringBuilder("action-script " + work + "/hold.sh\n");
        options.dumpConfig().forEach(l -> conf.append(l).append('\n'));
        new CriuOptions(Map.of(), extraConfig, List.of()); // the same character check as the operator's lines
        extraConfig.forEach(l -> conf.append(l).append('\n'));
        sh.writeFile(work + "/dump.conf", conf.toString().getBytes(StandardCharsets.UTF_8), QUICK);
        if (!destination.isEmpty()) {
            sh.writeFile(work + "/" + DESTINATION_FILE, (destination + "\n").getBytes(StandardCharsets.UTF_8), QUICK);
        }
        if (lazyPort > 0) {
            sh.writeFile(work + "/" + SERVES_PAGES_FILE, new byte[0], QUICK);
        }
        // before the dump: the hold must never wait for a driver that could die unseen, and whoever finds this
        // folder must know whether its driver still lives (a lazy dump's too, though it never holds)
        lease = HoldLease.take(sh, work);
        Map<String, String> env = new LinkedHashMap<>(options.env());
        env.put("CRIU_CONFIG_FILE", work + "/dump.conf");
        String dump = Shell.envPrefix(env) + Checkpointer.dumpCommand(lxc.lxcPath(), name, imagesDir());
        // setsid + redirections: the dump outlives this SSH command and never holds its channel.
        // Not "a && b && setsid … &": that backgrounds the whole list in a subshell that keeps the channel.
        String background = "chmod 700 " + w + "/hold.sh && date +%s.%N > " + w + "/dump-start || exit 1; "
                + "setsid sh -c " + Shell.quote(dump + " </dev/null >" + work + "/dump.out 2>&1; echo $? > " + work + "/dump.rc")
                + " </dev/null >/dev/null 2>&1 &";
        sh.check("starting the CRIU dump of " + name, background, QUICK);
        String ready = lazyPort > 0 ? "ss -ltnH 'sport = :" + lazyPort + "' | grep -q ." : "[ -f dumped ]";
        CommandResult r = sh.run("cd " + w + " && until " + ready + " || [ -f dump.rc ]; do sleep 0.01; done; "
                + "if [ ! -f dump.rc ]; then cat dump-start; else echo \"dump ended with code $(cat dump.rc)\" >&2; "
                + "tail -n 3 dump.out >&2; exit 3; fi", timeout);
        if (!r.ok()) {
            String why = "CRIU dump of " + name + " failed"
                    + CriuLog.fatalLine(sh, imagesDir() + "/dump.log").map(l -> ": " + l).orElse(": " + r.reason());
            if (r.exitCode() == 3) {
                throw new CriuRefusedException(lxc.host(), why); // CRIU itself ended: it cannot dump this container
            }
            throw new HostException(lxc.host(), why);
        }
        return hostInstant(r.stdout());
    }

    /**
     * Right before the destination restores: from now on a copy may run there, so the hold may no longer
     * abort because the driver is gone. Fails if it already did (the lease was lost): then the source runs
     * again and the destination must not restore.
     */
    public void beginRestore() {
        if (lease == null) {
            return;
        }
        HoldLease.markRestoreBegun(lxc.shell(), work);
    }

    /** The destination runs: CRIU ends the held processes; returns when the dump has exited. */
    public int commit(Duration timeout) {
        return decide("commit", timeout);
    }

    /** Rollback: CRIU resumes the held processes (or they were never frozen if the dump failed early). */
    public int abort(Duration timeout) {
        return decide("abort", timeout);
    }


    /** The dump's process ended (its exit status is written): it serves nothing and holds nothing any more. */
    public boolean ended() {
        return lxc.shell().run("test -f " + Shell.quote(work + "/dump.rc"), QUICK).ok();
    }

    /**
     * A lazy dump serves pages until its peer is done and only then ends its tasks; when the migration is
     * abandoned before that it is killed (the tasks, ptrace-detached, go on with their memory intact).
     */
    public void endPageService() {
        String w = Shell.quote(work);
        // Its peer gone, CRIU ends the page service by itself and resumes the tasks: give it that chance
        // (a SIGKILL in the middle of it can leave them frozen). Anchored at the command's start: only CRIU
        // itself, never a shell whose command line holds the dump's (this one, or the one that waits for it).
        lxc.shell().run(HostScript.withLibrary("wait_for " + PAGE_SERVICE_END_TICKS + " test -f " + w
                + "/dump.rc || pkill -KILL -f " + Shell.quote("^[^ ]*criu dump .*-D " + imagesDir()) + " 2>/dev/null; true"),
                Duration.ofSeconds(60));
    }

    /** True if a dump was started here (so a decision is owed). */
    public boolean started() {
        return lxc.shell().run("test -f " + Shell.quote(work + "/dump-start"), QUICK).ok();
    }

    private int decide(String decision, Duration timeout) {
        String w = Shell.quote(work);
        CommandResult r = lxc.shell().run("cd " + w + " && { [ -f decision ] || echo " + decision + " > decision.tmp && mv decision.tmp decision; }; "
                + "while [ ! -f dump.rc ]; do sleep 0.01; done; cat dump.rc", timeout);
        endLease();
        if (!r.ok()) {
            throw new HostException(lxc.host(), "CRIU did not finish after " + decision + ": " + r.reason());
        }
        try {
            return Integer.parseInt(r.stdout().strip());
        } catch (NumberFormatException e) {
            throw new HostException(lxc.host(), "unreadable CRIU exit status '" + r.stdout().strip() + "'");
        }
    }

    public void remove() {
        endLease();
        lxc.shell().run("rm -rf " + Shell.quote(work), QUICK);
    }

    /** The hold was decided: the lease has nothing left to guard. */
    public void endLease() {
        if (lease != null) {
            lease.release();
            lease = null;
        }
    }

    /**
     * A CRIU action script: exit 0 for every action except the post-dump decision (docs/criu-lxc-notes.md); a lazy
     * dump's script only marks post-dump and lets it pass. While it holds, it aborts by itself when the hold
     * limit is reached, or when the driver's lease has been dead for {@link #LEASE_GRACE} and the restore has
     * not begun: it takes the lease file by renaming it, so the driver's {@link #beginRestore} cannot also.
     */
    private String holdScript(boolean hold) {
        return holdScript(hold, holdLimit);
    }

    static String holdScript(boolean hold, Duration holdLimit) {
        long limitMs = Math.max(1, holdLimit.toMillis());
        long graceChecks = Math.max(1, LEASE_GRACE.toMillis() / 20 / LEASE_CHECK_TICKS);
        String program = HostScript.text(HeldDump.class, "hold.sh");
        int body = program.indexOf('\n') + 1; // the settings go right below the shebang
        return program.substring(0, body) + "HOLD=" + (hold ? 1 : 0) + " LIMIT_MS=" + limitMs + " CHECK_TICKS="
                + LEASE_CHECK_TICKS + " GRACE=" + graceChecks + " LEASE=" + HoldLease.FILE + " LOST=" + HoldLease.LOST
                + "\n" + program.substring(body);
    }

    public static Instant hostInstant(String epochSeconds) {
        String s = epochSeconds.strip();
        try {
            String[] parts = s.split("\\.");
            long secs = Long.parseLong(parts[0]);
            long nanos = parts.length > 1 ? Long.parseLong((parts[1] + "000000000").substring(0, 9)) : 0;
            return Instant.ofEpochSecond(secs, nanos);
        } catch (RuntimeException e) {
            throw new IllegalStateException("unreadable host time '" + s + "'", e);
        }
    }

    /** The host's clock now (for freeze timing and clock offsets). */
    public static Instant hostNow(HostShell sh) {
        return hostInstant(sh.check("reading the clock", "date +%s.%N", QUICK).stdout());
    }
}
