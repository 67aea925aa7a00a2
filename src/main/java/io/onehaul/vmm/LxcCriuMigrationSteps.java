package io.onehaul.vmm;

import io.onehaul.criu.Checkpointer;
import io.onehaul.criu.HeldDump;
import io.onehaul.host.HostShell;
import io.onehaul.host.Shell;
import io.onehaul.lxc.ContainerState;
import io.onehaul.host.CommandResult;
import io.onehaul.lxc.LxcHost;
import io.onehaul.lxc.PreparedDisk;
import java.util.List;
import io.onehaul.migration.MigrationRequest;
import io.onehaul.migration.MigrationSteps;
import io.onehaul.transfer.FileTransfer;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link MigrationSteps} for LXC + CRIU over SSH: the VM folder is pre-synced host to host while the
 * container runs, the container is dumped and held frozen on the source ({@link HeldDump}), the last
 * delta and the images are copied, the destination restores, and only then the source is let go.
 */
public final class LxcCriuMigrationSteps implements MigrationSteps {
    private static final Logger log = LoggerFactory.getLogger(LxcCriuMigrationSteps.class);
    /** Work folder inside the VM folder: travels with it, never confused with oned's checkpoint. */
    static final String WORK = ".migration";
    private static final Duration QUICK = Duration.ofSeconds(30);

    private final DriverSettings settings;
    private final LxcHost src;
    private final LxcHost dst;
    private final FileTransfer transfer;
    private final MigrationPreflight preflight;
    private final ContainerSetup setup;
    private HeldDump held;
    private List<PreparedDisk> destinationDisks;
    private String restoreConfig;
    private double clockOffset;

    public LxcCriuMigrationSteps(DriverSettings settings, HostShell source, HostShell destination, FileTransfer transfer,
                                 String transferSsh) {
        this.settings = settings;
        this.src = new LxcHost(source, settings.lxcPath());
        this.dst = new LxcHost(destination, settings.lxcPath());
        this.transfer = transfer;
        this.preflight = new MigrationPreflight(settings, transferSsh);
        this.setup = new ContainerSetup(settings);
    }

    @Override
    public void preflight(MigrationRequest r) {
        clockOffset = preflight.check(r, src, dst);
    }

    @Override
    public long presync(MigrationRequest r) {
        dst.shell().check("creating " + r.destinationSysdir(), "mkdir -p " + Shell.quote(r.destinationSysdir()), QUICK);
        var t = copyFolder(r, false);
        log.info("pre-sync of {} to {} while running: {} MiB of {} MiB sent in {} ms", r.sourceSysdir(),
                r.destinationHost(), t.bytesSent() >> 20, t.totalFileBytes() >> 20, t.elapsed().toMillis());
        defineOnDestination(r);
        return t.bytesSent();
    }

    /** Before the freeze: the destination's LXC definition and CRIU restore options, so only mounts remain. */
    private void defineOnDestination(MigrationRequest r) {
        destinationDisks = setup.define(dst, r.vm(), r.container(), r.destinationSysdir());
        Checkpointer criu = new Checkpointer(dst, settings.criu(), settings.checkpointTimeout());
        restoreConfig = criu.restoreConfigPath(r.container());
        criu.writeRestoreConfig(restoreConfig);
    }

    @Override
    public Instant dumpAndHold(MigrationRequest r) {
        held = new HeldDump(src, settings.criu(), r.sourceSysdir() + "/" + WORK, settings.checkpointTimeout());
        return held.start(r.container(), settings.checkpointTimeout());
    }

    @Override
    public long finalSync(MigrationRequest r) {
        if (r.sharedDatastore()) {
            return 0;
        }
        return copyFolder(r, true).bytesSent();
    }

    private FileTransfer.TransferResult copyFolder(MigrationRequest r, boolean withImages) {
        String[] excludes = withImages
                ? new String[] {"/mapper", "/checkpoint", "/" + WORK + "/decision*", "/" + WORK + "/dump.rc"}
                : new String[] {"/mapper", "/checkpoint", "/" + WORK};
        // flushFirst: a loop-mounted image keeps recent writes in the source's page cache; the final
        // copy must see them in the file (same round trip as the copy).
        return transfer.copy(src.shell(), r.sourceSysdir() + "/", r.destinationHost(), r.destinationSysdir(),
                new FileTransfer.Options(true, List.of(excludes), true, withImages, settings.checkpointTimeout()));
    }

    /**
     * In the freeze, one round trip: mount the synced disks, restore, read the clock and the state.
     * (The definition was written before the freeze; a shared datastore was never pre-synced, so it is
     * defined here.)
     */
    @Override
    public Instant restoreOnDestination(MigrationRequest r) {
        if (destinationDisks == null) {
            defineOnDestination(r);
        }
        Checkpointer criu = new Checkpointer(dst, settings.criu(), settings.checkpointTimeout());
        String images = r.destinationSysdir() + "/" + WORK + "/images";
        CommandResult res = dst.shell().run(LxcHost.mountCommand(destinationDisks) + " && "
                + criu.restoreCommand(r.container(), images, restoreConfig) + "; rc=$?; date +%s.%N; "
                + "lxc-info -P " + Shell.quote(dst.lxcPath()) + " -n " + Shell.quote(r.container()) + " -s -H; exit $rc",
                settings.checkpointTimeout());
        if (!res.ok()) {
            throw criu.restoreFailed(r.container(), images, res);
        }
        String[] out = res.stdout().strip().split("\\s+");
        String state = out.length > 1 ? out[out.length - 1] : "?";
        if (!state.equals("RUNNING")) {
            throw new IllegalStateException(r.container() + " is " + state + " on " + r.destinationHost()
                    + " right after its restore");
        }
        return HeldDump.hostInstant(out[out.length - 2]);
    }

    @Override
    public void commitSource(MigrationRequest r) {
        int rc = held.commit(settings.checkpointTimeout());
        ContainerState s = src.state(r.container());
        if (rc != 0 || (s != ContainerState.STOPPED && s != ContainerState.UNDEFINED)) {
            // The destination runs: whatever CRIU said, the source copy must not.
            log.warn("CRIU ended with {} after commit and the source is {}: killing the source copy", rc, s);
            src.stop(r.container(), true, settings.stopTimeout());
        }
        setup.release(src, r.container(), r.sourceSysdir(), false);
        held.remove();
        dst.shell().run("rm -rf " + Shell.quote(r.destinationSysdir() + "/" + WORK), QUICK);
        log.info("{} released on {}", r.container(), r.sourceHost());
    }

    @Override
    public boolean resumeSource(MigrationRequest r) {
        if (held != null && held.started()) {
            int rc = held.abort(settings.checkpointTimeout());
            log.info("dump aborted on {} (CRIU exit {}): the source goes on", r.sourceHost(), rc);
            clearCriuNetworkLock(r);
            held.remove();
        }
        boolean running = src.state(r.container()) == ContainerState.RUNNING;
        if (!running) {
            log.error("{} is not running on {} after the rollback", r.container(), r.sourceHost());
        }
        return running;
    }

    /**
     * If CRIU died while holding, its network lock (iptables chain CRIU) stays in the container's
     * network namespace and blocks all traffic (shared notes): remove it.
     */
    private void clearCriuNetworkLock(MigrationRequest r) {
        String pid = src.shell().run("lxc-info -P " + Shell.quote(src.lxcPath()) + " -n " + Shell.quote(r.container())
                + " -p -H", QUICK).stdout().strip();
        if (!pid.matches("\\d+")) {
            return;
        }
        String ns = "nsenter -t " + pid + " -n ";
        src.shell().run("for t in iptables ip6tables; do " + ns + "$t -L CRIU >/dev/null 2>&1 || continue; "
                + ns + "$t -D INPUT -j CRIU; " + ns + "$t -D OUTPUT -j CRIU; " + ns + "$t -F CRIU; " + ns
                + "$t -X CRIU; done 2>/dev/null; true", QUICK);
    }

    @Override
    public void cleanDestination(MigrationRequest r) {
        ContainerState s = dst.state(r.container());
        if (s != ContainerState.UNDEFINED) {
            setup.release(dst, r.container(), r.destinationSysdir(), true);
        } else {
            dst.unmountDisks(r.destinationSysdir());
        }
        if (!r.sharedDatastore() && !r.sameHost()) {
            dst.shell().check("removing the partial copy on " + r.destinationHost(),
                    "rm -rf " + Shell.quote(r.destinationSysdir()), QUICK);
        } else {
            dst.shell().run("rm -rf " + Shell.quote(r.destinationSysdir() + "/" + WORK), QUICK);
        }
    }

    @Override
    public double destinationClockOffsetSeconds() {
        return clockOffset;
    }
}
