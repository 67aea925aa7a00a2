package io.onehaul.vmm;

import static io.onehaul.host.HostShell.QUICK;

import io.onehaul.criu.Checkpointer;
import io.onehaul.criu.CriuRefusedException;
import io.onehaul.criu.HeldDump;
import io.onehaul.criu.LazyPages;
import io.onehaul.criu.PageServer;
import io.onehaul.criu.PreDumpRounds;
import io.onehaul.criu.DumpabilityFinding;
import io.onehaul.criu.DumpabilityScan;
import io.onehaul.migration.DumpRefusedException;
import io.onehaul.migration.HostFeatures;
import io.onehaul.migration.MigrationStrategy;
import io.onehaul.migration.MemoryTransport;
import io.onehaul.migration.PagesLostException;
import io.onehaul.progress.MigrationProgress;
import io.onehaul.transfer.PathChoice;
import io.onehaul.transfer.Routes;
import io.onehaul.transfer.SshTunnel;
import io.onehaul.transfer.TransferBudget;
import io.onehaul.host.HostShell;
import io.onehaul.host.Shell;
import io.onehaul.lxc.ContainerState;
import io.onehaul.host.CommandResult;
import io.onehaul.lxc.IdMap;
import io.onehaul.lxc.LxcHost;
import io.onehaul.lxc.NetworkAnnouncement;
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
public final class LxcCriuMigrationSteps implements MigrationSteps, MigrationSteps.WithPageServer,
        MigrationSteps.WithPreDump, MigrationSteps.WithLazyPages, MigrationSteps.WithColdMove {
    private static final Logger log = LoggerFactory.getLogger(LxcCriuMigrationSteps.class);
    /** Work folder inside the VM folder: travels with it, never confused with oned's checkpoint. */
    static final String WORK = ".migration";
    /** Post-copy fails when the destination's daemon reads nothing for this long (its source is gone or stuck). */
    static final Duration LAZY_STALL_LIMIT = Duration.ofSeconds(10);

    private final DriverSettings settings;
    private final LxcHost src;
    private final LxcHost dst;
    private final FileTransfer transfer;
    private final MigrationPreflight preflight;
    private final ContainerSetup setup;
    private final Routes routes;
    private final MigrationProgress progress;
    private HeldDump held;
    /** The VM folder's copy (made by the pre-sync; none on a shared datastore). */
    private VmFolderSync folder;
    private List<PreparedDisk> destinationDisks;
    private String restoreConfig;
    private double clockOffset;
    private HostFeatures features = HostFeatures.BASIC;
    /** The VM folder's size pre-flight found (-1: unknown), for the copies' time limits. */
    private long folderBytes = -1;
    private MemoryTransport transport = MemoryTransport.LOCAL_IMAGES;
    /** The port of the destination's page server (streamed, pre-dump rounds), and its tunnel. */
    private int pagePort;
    /** Pre-dump rounds run so far: the final dump sends only what the last one left dirty. */
    private int preDumps;
    /** A round began (and so left images behind), even if none completed. */
    private boolean roundsBegan;
    private SshTunnel tunnel;
    /** Post-copy: the port of the source's page service, the tunnel to it, and the lazy restore options. */
    private int lazyPort;
    private SshTunnel lazyTunnel;
    private String lazyRestoreConfig;
    private SourceLeftovers leftovers = SourceLeftovers.NONE;
    /** The id map the container runs with on the source, read at pre-flight. */
    private IdMap sourceMap;

    /**
     * @param transfer copies between the hosts along {@code routes}
     * @param routes   how the source reaches the destination; pre-flight may open a relay in it
     * @param path     the operator's {@link PathChoice#SETTING} for this destination
     * @param progress told the pre-sync's bytes (the phases come from the orchestration)
     */
    public LxcCriuMigrationSteps(DriverSettings settings, HostShell source, HostShell destination, FileTransfer transfer,
                                 Routes routes, PathChoice.Setting path, MigrationProgress progress) {
        this.progress = progress;
        this.settings = settings;
        this.src = new LxcHost(source, settings.lxcPath());
        this.dst = new LxcHost(destination, settings.lxcPath());
        this.transfer = transfer;
        this.routes = routes;
        this.preflight = new MigrationPreflight(settings, routes, path);
        this.setup = new ContainerSetup(settings);
    }

    @Override
    public void preflight(MigrationRequest r) {
        MigrationPreflight.Result p = preflight.check(r, src, dst);
        clockOffset = p.clockOffsetSeconds();
        features = p.features();
        folderBytes = p.folderBytes();
        sourceMap = src.idMap(r.container()); // a running container keeps its id map wherever it goes
        // Last, read-only like the rest: what CRIU would refuse, named before anything is frozen
        List<DumpabilityFinding> findings = DumpabilityScan.run(src.shell(), src.lxcPath(), r.container());
        if (!findings.isEmpty()) {
            throw new DumpRefusedException("pre-flight: " + DumpabilityFinding.refusal(r.container(), findings), null);
        }
    }

    @Override
    public String transferPath() {
        var c = preflight.chosenPath();
        return c == null ? null : c.path().name().toLowerCase(java.util.Locale.ROOT) + ": " + c.reason();
    }

    @Override
    public HostFeatures features() {
        return features;
    }

    private String sourceWork(MigrationRequest r) {
        return r.sourceSysdir() + "/" + WORK;
    }

    private String destinationWork(MigrationRequest r) {
        return r.destinationSysdir() + "/" + WORK;
    }

    private String destinationImages(MigrationRequest r) {
        return destinationWork(r) + "/images";
    }

    /**
     * Streamed, and the final dump after pre-dump rounds: the page server on the destination, reached from
     * the source's 127.0.0.1 through SSH. After rounds, the final images name the last round as their parent.
     */
    @Override
    public void startPageServer(MigrationRequest r) {
        openPageTunnel(r);
        PageServer.start(dst.shell(), settings.criu(), destinationImages(r), destinationWork(r), pagePort,
                preDumps > 0 ? PreDumpRounds.parentOfFinalImages(preDumps) : null);
        log.info("CRIU page server on {} (port {}), reached from {} through SSH", r.destinationHost(), pagePort,
                r.sourceHost());
    }

    /**
     * A count for the report, read once the destination runs: a host that does not answer it must not turn
     * a move that succeeded into a rollback, so it counts nothing and says so.
     */
    @Override
    public long pageServerReceived(MigrationRequest r) {
        try {
            return PageServer.receivedBytes(dst.shell(), destinationImages(r));
        } catch (RuntimeException e) {
            log.warn("the pages the page server received on {} are not counted in the report: {}", r.destinationHost(),
                    e.getMessage());
            return 0;
        }
    }

    /** The page servers' port and the SSH tunnel to it, once per migration (every round and the dump use it). */
    private void openPageTunnel(MigrationRequest r) {
        if (tunnel != null) {
            return;
        }
        pagePort = PageServer.freePort(src.shell(), dst.shell(), PageServer.PAGE_SERVER_PORTS, r.vmid());
        tunnel = SshTunnel.open(src.shell(), routes.to(r.destinationHost()), pagePort, true,
                TunnelPidFiles.pageServer(r.container()));
    }

    /**
     * A pre-dump round while the container runs: a page server of its own on the destination receives the
     * pages dirtied since the previous round into that round's folder ({@link PreDumpRounds}).
     */
    @Override
    public long preDump(MigrationRequest r, int round) {
        openPageTunnel(r);
        roundsBegan = true;
        String destinationRound = PreDumpRounds.round(r.destinationSysdir(), round);
        if (round == 1) {
            PreDumpRounds.remove(dst.shell(), r.destinationSysdir());
            PreDumpRounds.remove(src.shell(), r.sourceSysdir());
        }
        PageServer.start(dst.shell(), settings.criu(), destinationRound, destinationRound, pagePort,
                PreDumpRounds.parentOfRound(round));
        try {
            PreDumpRounds.run(src.shell(), settings.criu(), src.lxcPath(), r.container(), r.sourceSysdir(), round, pagePort,
                    settings.checkpointTimeout());
        } finally {
            PageServer.awaitEnd(dst.shell(), destinationRound, PRE_DUMP_SERVER_END);
        }
        preDumps = round;
        return PreDumpRounds.receivedBytes(dst.shell(), r.destinationSysdir(), round);
    }

    /** A round's page server ends by itself once its dump has ended; this long is given before it is killed. */
    static final Duration PRE_DUMP_SERVER_END = Duration.ofSeconds(10);

    @Override
    public long presync(MigrationRequest r) {
        folder = folderSync(r);
        long sent = folder.presync();
        defineOnDestination(r);
        return sent;
    }

    private VmFolderSync folderSync(MigrationRequest r) {
        TransferBudget budget = new TransferBudget(features.linkBytesPerSecond(), transfer.capBytesPerSecond(),
                settings.checkpointTimeout());
        return new VmFolderSync(src.shell(), dst.shell(), transfer, r, WORK, budget, folderBytes, progress);
    }

    /** Before the freeze: the destination's LXC definition and CRIU restore options, so only mounts remain. */
    private void defineOnDestination(MigrationRequest r) {
        destinationDisks = setup.define(dst, r.vm(), r.container(), r.destinationSysdir(), sourceMap);
        Checkpointer criu = new Checkpointer(dst, settings.criu(), settings.checkpointTimeout());
        restoreConfig = criu.restoreConfigPath(r.container());
        criu.writeRestoreConfig(restoreConfig);
    }

    /**
     * Before the freeze: the destination's 127.0.0.1:port is made to reach the source's, where the lazy dump
     * will serve its pages, and the lazy restore options are written (an SSH connection and two files that
     * used to sit inside the freeze).
     */
    @Override
    public void prepareLazyPages(MigrationRequest r) {
        if (destinationDisks == null) {
            defineOnDestination(r);
        }
        lazyPort = PageServer.freePort(src.shell(), dst.shell(), PageServer.LAZY_PAGE_PORTS, r.vmid());
        lazyTunnel = SshTunnel.open(src.shell(), routes.to(r.destinationHost()), lazyPort, false,
                TunnelPidFiles.lazyPages(r.container()));
        lazyRestoreConfig = restoreConfig + ".lazy";
        dst.shell().check("writing the lazy restore options", "{ cat " + Shell.quote(restoreConfig)
                + "; echo lazy-pages; } > " + Shell.quote(lazyRestoreConfig), QUICK);
        LazyPages.install(dst.shell(), destinationWork(r));
    }

    @Override
    public Instant dumpAndHold(MigrationRequest r, MemoryTransport how) {
        try {
            return dump(r, how);
        } catch (CriuRefusedException e) {
            throw new DumpRefusedException(e.getMessage(), e);
        }
    }

    private Instant dump(MigrationRequest r, MemoryTransport how) {
        transport = how;
        held = new HeldDump(src, settings.criu(), sourceWork(r), holdLimit(r, how))
                .towards(r.destinationHost(), r.destinationSysdir());
        return switch (how) {
            case LOCAL_IMAGES -> held.start(r.container(), settings.checkpointTimeout());
            case PAGE_SERVER -> held.start(r.container(), settings.checkpointTimeout(),
                    afterRounds("page-server", "address 127.0.0.1", "port " + pagePort), 0);
            // leave-stopped: CRIU's page service ends the same way when the destination has every page
            // and when the stream was cut (the link, the tunnel, the destination died), and would then kill
            // the tasks. Left stopped, with their memory whole, only the driver ends them: killed at commit,
            // continued at rollback (Checkpointer.recoverFromFailedDump).
            case LAZY -> held.start(r.container(), settings.checkpointTimeout(),
                    afterRounds("lazy-pages", "address 127.0.0.1", "port " + lazyPort, "leave-stopped"), lazyPort);
        };
    }

    /** The dump's own CRIU options; after pre-dump rounds, only what the last round left dirty is sent. */
    private List<String> afterRounds(String... options) {
        List<String> all = new java.util.ArrayList<>(List.of(options));
        if (preDumps > 0) {
            all.add("track-mem");
            all.add("prev-images-dir " + PreDumpRounds.parentOfFinalImages(preDumps));
        }
        return all;
    }

    /** The hold's hard limit, from this migration's copies in the freeze and its restore ({@link HoldLimit}). */
    private Duration holdLimit(MigrationRequest r, MemoryTransport how) {
        return HoldLimit.hold(r.sharedDatastore() || folder == null ? Duration.ZERO : folder.finalSyncLimit(how),
                restoreLimit(r));
    }

    private Duration restoreLimit(MigrationRequest r) {
        return HoldLimit.restore(Math.max(features.memoryBytes(), (long) r.vm().memoryMb() << 20));
    }

    @Override
    public long finalSync(MigrationRequest r) {
        if (r.sharedDatastore()) {
            return 0;
        }
        return folder.finalSync(transport);
    }

    /**
     * In the freeze, one round trip: mount the synced disks, restore, read the clock and the state.
     * (The definition was written before the freeze; a shared datastore was never pre-synced, so it is
     * defined here.)
     */
    @Override
    public Instant restoreOnDestination(MigrationRequest r, MemoryTransport how) {
        if (destinationDisks == null) {
            defineOnDestination(r);
        }
        if (how != MemoryTransport.LAZY) {
            held.beginRestore(); // from here a copy may run on the destination: the hold no longer ends with the driver
        }
        Checkpointer criu = new Checkpointer(dst, settings.criu(), settings.checkpointTimeout());
        String images = destinationImages(r);
        String config = restoreConfig;
        String lazyDaemon = "true";
        if (how == MemoryTransport.LAZY) {
            // the daemon reads the images the final copy brought, so it starts here, in the restore's round trip
            lazyDaemon = LazyPages.startCommand(settings.criu(), images, destinationWork(r), lazyPort,
                    "lxc-stop -k -P " + Shell.quote(dst.lxcPath()) + " -n " + Shell.quote(r.container()));
            config = lazyRestoreConfig;
        }
        CommandResult res = dst.shell().run(lazyDaemon + " && " + LxcHost.mountCommand(destinationDisks) + " && "
                + criu.restoreCommand(r.container(), images, config, preDumps > 0
                        ? List.of(r.destinationSysdir() + "/" + PreDumpRounds.FOLDER) : List.of())
                + "; rc=$?; date +%s.%N; "
                + "lxc-info -P " + Shell.quote(dst.lxcPath()) + " -n " + Shell.quote(r.container()) + " -s -H; "
                + "[ $rc -eq 0 ] && " + NetworkAnnouncement.command(dst.lxcPath(), r.container()) + "; exit $rc",
                restoreLimit(r));
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

    /**
     * Post-copy: until the guard on the destination says every page arrived (the daemon ended with success)
     * and the source's CRIU served its last page (it then waits at post-dump for the decision).
     */
    @Override
    public long awaitLazyPages(MigrationRequest r) {
        // a slow link only makes it longer; what fails it is a stall (or a day-long transfer)
        String status = LazyPages.await(dst.shell(), destinationWork(r), LAZY_STALL_LIMIT, settings.checkpointTimeout()
                .multipliedBy(12));
        if (!status.equals("complete")) {
            String why = status.equals("stalled") ? "no page arrived for " + LAZY_STALL_LIMIT.toSeconds() + " s"
                    : status.isEmpty() ? "the pages were still arriving after the time limit"
                    : status.replaceFirst("^lost ", "");
            log.error("POST-COPY FAILED on {}: {}", r.destinationHost(), why);
            if (status.startsWith("lost")) { // the guard has killed the destination copy
                throw new PagesLostException("the pages did not all arrive on " + r.destinationHost() + ": " + why,
                        sourceAnswers());
            }
            // Which copy lives is decided only where the source can be told: until then neither is destroyed.
            boolean kept = LazyPages.keep(dst.shell(), destinationWork(r), dst.lxcPath(), r.container());
            if (kept && !sourceAnswers()) {
                throw PagesLostException.bothHeld(bothHeldText(r, why));
            }
            LazyPages.stop(dst.shell(), destinationImages(r), destinationWork(r));
            throw new PagesLostException("the pages did not all arrive on " + r.destinationHost() + ": " + why, true);
        }
        // CRIU on the source ends the frozen source tasks once its last page is served, and exits
        CommandResult served = src.shell().run("i=0; until [ -f " + Shell.quote(sourceWork(r) + "/dump.rc") + " ]; do "
                + "i=$((i+1)); [ $i -gt 1500 ] && exit 1; sleep 0.02; done; cat " + Shell.quote(sourceWork(r) + "/dump.rc"),
                Duration.ofSeconds(60));
        if (!served.ok() || !served.stdout().strip().equals("0")) {
            log.warn("every page reached {} but CRIU on {} did not end its page service cleanly ({})",
                    r.destinationHost(), r.sourceHost(), served.ok() ? "exit " + served.stdout().strip() : "still running");
        }
        log.info("post-copy: every page of {} reached {}", r.container(), r.destinationHost());
        return features.memoryBytes();
    }

    /** How long the source may take to answer a command before the driver counts it unreachable. */
    static final Duration SOURCE_ANSWER_LIMIT = Duration.ofSeconds(10);

    private boolean sourceAnswers() {
        try {
            return src.shell().run("true", SOURCE_ANSWER_LIMIT).ok();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * The VM log's account of a post-copy that lost its source from both the destination and the driver:
     * where each part of the container is, and the one command that settles it once the source answers.
     */
    private String bothHeldText(MigrationRequest r, String why) {
        int dsid = r.vm().currentHistory().map(h -> h.datastoreId()).orElse(-1);
        String settle = "onehaul tm settle " + r.sourceHost() + " " + r.destinationHost() + " " + r.destinationSysdir()
                + " " + r.vmid() + " " + dsid;
        return "NOTHING DESTROYED, BOTH COPIES HELD: post-copy's pages stopped arriving on " + r.destinationHost()
                + " (" + why + ") and " + r.sourceHost() + " does not answer the front-end either. The container's "
                + "memory is whole on " + r.sourceHost() + ", its processes stopped by CRIU (work folder "
                + sourceWork(r) + "); an incomplete copy is kept frozen on " + r.destinationHost() + ". Once "
                + r.sourceHost() + " answers, run as oneadmin on the front-end: '" + settle + "': it resumes the "
                + "container on " + r.sourceHost() + " and removes the copy on " + r.destinationHost() + ".";
    }

    /**
     * Cold fallback: a clean shutdown on the source, the disks unmounted (so the images are whole), the
     * delta since the pre-sync copied, and a boot on the destination, which was defined before. If it does
     * not run there, it boots on the source again: the VM is never left stopped by a failed fallback.
     */
    @Override
    public MigrationStrategy.Freeze coldMove(MigrationRequest r) {
        Instant stopped = HeldDump.hostNow(src.shell());
        src.stop(r.container(), false, settings.stopTimeout());
        src.unmountDisks(r.sourceSysdir());
        try {
            if (!r.sharedDatastore()) {
                if (folder == null) { // refused in pre-flight: nothing was pre-synced, the whole folder goes now
                    folder = folderSync(r);
                }
                folder.coldSync();
            }
            if (destinationDisks == null) {
                defineOnDestination(r);
            }
            dst.shell().check("mounting the VM's disks", LxcHost.mountCommand(destinationDisks), QUICK);
            dst.start(r.container(), settings.startTimeout());
            Instant runs = HeldDump.hostNow(dst.shell());
            setup.release(src, r.container(), "", false);
            log.warn("{} was stopped on {} and booted on {} (cold move)", r.container(), r.sourceHost(), r.destinationHost());
            return new MigrationStrategy.Freeze(stopped, runs);
        } catch (RuntimeException e) {
            log.error("the cold move of {} failed ({}): booting it on {} again", r.container(), e.getMessage(), r.sourceHost());
            try {
                setup.release(dst, r.container(), r.destinationSysdir(), true);
            } catch (RuntimeException ignored) {
                // the caller's rollback cleans the destination too
            }
            setup.prepare(src, r.vm(), r.container(), r.sourceSysdir());
            src.start(r.container(), settings.startTimeout());
            throw e;
        }
    }

    /** Where the source's leftovers go when it cannot be released after the destination runs. */
    public LxcCriuMigrationSteps withLeftovers(SourceLeftovers l) {
        this.leftovers = l;
        return this;
    }

    @Override
    public void commitSource(MigrationRequest r) {
        try {
            releaseSource(r);
        } catch (RuntimeException e) {
            throw leftovers.notReleased(r, e);
        }
    }

    private void releaseSource(MigrationRequest r) {
        int rc = held.commit(settings.checkpointTimeout());
        ContainerState s = src.state(r.container());
        if (rc != 0 || (s != ContainerState.STOPPED && s != ContainerState.UNDEFINED)) {
            // The destination runs: whatever CRIU said, the source copy must not. (Post-copy's source is
            // left stopped by design: ending it is this decision.)
            if (transport == MemoryTransport.LAZY && rc == 0) {
                log.info("every page reached {}: ending the stopped source copy on {}", r.destinationHost(), r.sourceHost());
            } else {
                log.warn("CRIU ended with {} after commit and the source is {}: killing the source copy", rc, s);
            }
            src.stop(r.container(), true, settings.stopTimeout());
        }
        closeTunnel();
        discardSnapshots();
        setup.release(src, r.container(), r.sourceSysdir(), false);
        held.remove();
        PreDumpRounds.remove(src.shell(), r.sourceSysdir());
        dst.shell().run("rm -rf " + Shell.quote(destinationWork(r)), QUICK);
        PreDumpRounds.remove(dst.shell(), r.destinationSysdir());
        log.info("{} released on {}", r.container(), r.sourceHost());
    }

    private void discardSnapshots() {
        if (folder != null) {
            folder.discard();
        }
    }

    private void closeTunnel() {
        if (tunnel != null) {
            tunnel.close();
            tunnel = null;
        }
        if (lazyTunnel != null) {
            lazyTunnel.close();
            lazyTunnel = null;
        }
    }

    @Override
    public boolean resumeSource(MigrationRequest r) {
        closeTunnel();
        discardSnapshots();
        if (roundsBegan) {
            PreDumpRounds.remove(src.shell(), r.sourceSysdir());
        }
        return HeldSourceRelease.resume(src, r.container(), held, transport == MemoryTransport.LAZY,
                settings.checkpointTimeout());
    }

    @Override
    public void cleanDestination(MigrationRequest r) {
        if (transport == MemoryTransport.LAZY) {
            LazyPages.stop(dst.shell(), destinationImages(r), destinationWork(r));
        }
        PageServer.stop(dst.shell(), destinationWork(r));
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
            dst.shell().run("rm -rf " + Shell.quote(destinationWork(r)), QUICK);
            PreDumpRounds.remove(dst.shell(), r.destinationSysdir());
        }
    }

    @Override
    public double destinationClockOffsetSeconds() {
        return clockOffset;
    }
}
