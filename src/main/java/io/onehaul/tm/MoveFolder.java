package io.onehaul.tm;

import io.onehaul.host.HostShell;
import io.onehaul.host.HostShellFactory;
import io.onehaul.tm.HostFiles.Kind;
import io.onehaul.transfer.FileTransfer;
import io.onehaul.transfer.PathChoice;
import io.onehaul.transfer.PathFinder;
import io.onehaul.transfer.Routes;
import io.onehaul.vmm.ActionFailedException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * mv: moves a VM folder between hosts (cold migration, stop, undeploy, resume) as the ssh TM does
 * (reference §4.4), but restartable: oned re-runs the whole transfer file on {@code recover --retry}, so
 * every step looks first. Order: copy, compare, and only then remove the source. Between hosts of two
 * providers the copy goes through the front-end's relay, as a live migration's does ({@link PathFinder}); a
 * copy whose connection broke is resumed ({@value #COPY_ATTEMPTS} attempts; rsync keeps a broken file's
 * part and sends only the rest). A copy that fails for good leaves no partial folder on the destination.
 */
public final class MoveFolder {
    private static final Logger log = LoggerFactory.getLogger(MoveFolder.class);

    /** Nothing waits on a cold move but the operator: a broken connection is worth two more tries. */
    static final int COPY_ATTEMPTS = 3;

    private final TmSettings settings;
    private final HostShellFactory hosts;
    private final Function<Routes, FileTransfer> transfers;
    private final Function<String, PathChoice.Setting> pathSetting;

    /**
     * @param transfers   the copier between hosts, along the line's routes
     * @param pathSetting what the operator allows for a destination host ({@value PathChoice#SETTING})
     */
    public MoveFolder(TmSettings settings, HostShellFactory hosts, Function<Routes, FileTransfer> transfers,
                      Function<String, PathChoice.Setting> pathSetting) {
        this.settings = settings;
        this.hosts = hosts;
        this.transfers = transfers;
        this.pathSetting = pathSetting;
    }

    public void run(TmArgs.Move a) {
        if (!a.dst().isVmFolder()) {
            // oned writes one line per disk and a last one for the folder; the folder line moves them all.
            log.info("{} moves with the VM folder (its own line follows)", a.dst().disk());
            return;
        }
        if (a.srcHost().equals(a.dstHost()) && a.src().path().equals(a.dst().path())) {
            log.info("{}:{} is already where it should be: nothing to move", a.srcHost(), a.src());
            return;
        }
        try (HostShell src = hosts.open(a.srcHost());
             HostShell dst = a.srcHost().equals(a.dstHost()) ? null : hosts.open(a.dstHost())) {
            HostShell to = dst == null ? src : dst;
            if (!sourceToMove(src, to, a)) {
                return;
            }
            FolderGuard.requireUnused(src, settings.lxcPath(), a.vmid(), a.src().path(), "move");
            FolderGuard.requireUnused(to, settings.lxcPath(), a.vmid(), a.dst().path(), "overwrite");
            HostFiles.mkdirs(to, Paths.parent(a.dst().path()));
            log.info("copying {}:{} to {}:{}", a.srcHost(), a.src(), a.dstHost(), a.dst());
            long start = System.nanoTime();
            if (dst == null) {
                HostFiles.copyWithinHost(src, a.src().path(), a.dst().path(), true, settings.copyTimeout());
            } else {
                copyBetweenHosts(src, dst, a);
            }
            verify(src, a.src().path(), to, a.dst().path());
            HostFiles.removeTree(src, a.src().path(), settings.copyTimeout());
            log.info("moved {}:{} to {}:{} in {} ms; source removed", a.srcHost(), a.src(), a.dstHost(), a.dst(),
                    (System.nanoTime() - start) / 1_000_000);
        }
    }

    private void copyBetweenHosts(HostShell src, HostShell dst, TmArgs.Move a) {
        try (Routes routes = new Routes(settings.hostSsh())) {
            PathFinder.open(routes, src, a.srcHost(), a.dstHost(), pathSetting.apply(a.dstHost()));
            FileTransfer.TransferResult r = transfers.apply(routes).copy(src, a.src().path() + "/", a.dstHost(),
                    a.dst().path(), FileTransfer.Options.mirror(settings.copyTimeout()).withAttempts(COPY_ATTEMPTS));
            log.info("sent {} bytes of {} in {} ms", r.bytesSent(), r.totalFileBytes(), r.elapsed().toMillis());
        } catch (RuntimeException e) {
            // The source is whole: the half copy is only in the way (and would look like the VM's folder).
            try {
                HostFiles.removeTree(dst, a.dst().path(), settings.copyTimeout());
                log.info("removed the partial copy {}:{}; {}:{} is untouched", a.dstHost(), a.dst(), a.srcHost(), a.src());
            } catch (RuntimeException cleanup) {
                log.warn("the partial copy {}:{} could not be removed ({}); the next mv overwrites it", a.dstHost(),
                        a.dst(), cleanup.getMessage());
            }
            throw e;
        }
    }

    /** False when a previous run already finished the move (source gone, destination there). */
    private boolean sourceToMove(HostShell src, HostShell to, TmArgs.Move a) {
        Kind s = HostFiles.kind(src, a.src().path());
        if (s == Kind.DIR) {
            return true;
        }
        if (s != Kind.MISSING) {
            throw new ActionFailedException(a.srcHost() + ":" + a.src() + " is not a folder (" + s + ")");
        }
        if (HostFiles.kind(to, a.dst().path()) == Kind.DIR) {
            log.info("{}:{} is gone and {}:{} exists: moved by an earlier run", a.srcHost(), a.src(), a.dstHost(), a.dst());
            return false;
        }
        throw new ActionFailedException("neither " + a.srcHost() + ":" + a.src() + " nor " + a.dstHost() + ":" + a.dst()
                + " exists: nothing to move");
    }

    /** The destination must list exactly what the source lists before the source may go. */
    private void verify(HostShell src, String srcPath, HostShell dst, String dstPath) {
        List<String> want = HostFiles.listing(src, srcPath, settings.copyTimeout());
        List<String> got = HostFiles.listing(dst, dstPath, settings.copyTimeout());
        if (want.equals(got)) {
            log.info("verified: {} entries identical on both sides", want.size());
            return;
        }
        Set<String> gotSet = new HashSet<>(got);
        Set<String> wantSet = new HashSet<>(want);
        String first = want.stream().filter(e -> !gotSet.contains(e)).findFirst()
                .map(e -> "missing or different: " + e)
                .orElseGet(() -> got.stream().filter(e -> !wantSet.contains(e)).findFirst().map(e -> "extra: " + e).orElse(""));
        throw new ActionFailedException("the copy in " + dst.host() + ":" + dstPath + " differs from the source ("
                + want.size() + " vs " + got.size() + " entries; " + first + "); source kept");
    }
}
