package io.onehaul.vmm;

import static io.onehaul.host.HostShell.QUICK;

import io.onehaul.criu.PreDumpRounds;
import io.onehaul.disk.ImageDelta;
import io.onehaul.host.CommandResult;
import io.onehaul.host.HostShell;
import io.onehaul.host.Shell;
import io.onehaul.migration.MemoryTransport;
import io.onehaul.migration.MigrationRequest;
import io.onehaul.progress.MigrationProgress;
import io.onehaul.transfer.FileTransfer;
import io.onehaul.transfer.TransferBudget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file-system side of a live migration (P.Haul's "fs transfer"): the VM folder goes to the destination
 * while the container runs (pre-sync), and what changed since goes in the freeze (final sync). Disk images
 * go by changed blocks where the datastore can snapshot them ({@link ImageDelta}), otherwise by rsync as
 * everything else in the folder.
 */
final class VmFolderSync {
    private static final Logger log = LoggerFactory.getLogger(VmFolderSync.class);
    /** The images' reflink snapshots: beside the work folder, which every dump empties. */
    static final String SNAPSHOTS = ".migration-snapshots";
    /**
     * Never copied: the disks' mount points, oned's checkpoint, the snapshots (sent as the images instead),
     * the pre-dump rounds (their pages went to the destination through a page server).
     */
    private static final List<String> PRESYNC_LEFT_OUT = List.of("mapper", "checkpoint", SNAPSHOTS, PreDumpRounds.FOLDER);
    /**
     * A pre-sync whose connection broke is resumed (the container runs, nothing waits on it); a copy in the
     * freeze is not: retrying there lengthens the freeze the workload feels, a rollback ends it at once.
     */
    static final int PRESYNC_ATTEMPTS = 3;
    static final int FREEZE_ATTEMPTS = 1;

    private final HostShell src;
    private final HostShell dst;
    private final FileTransfer transfer;
    private final MigrationRequest r;
    private final String work;
    private final TransferBudget budget;
    private final long folderBytes;
    private final ImageDelta delta;
    private final MigrationProgress progress;

    /**
     * @param work        the work folder's name inside the VM folder (dump images, decisions)
     * @param budget      each copy's time limit from what it moves and the link
     * @param folderBytes the VM folder's size on the source (pre-flight), -1 when unknown
     * @param progress    told the pre-sync's bytes as they go
     */
    VmFolderSync(HostShell src, HostShell dst, FileTransfer transfer, MigrationRequest r, String work,
                 TransferBudget budget, long folderBytes, MigrationProgress progress) {
        this.progress = progress;
        this.src = src;
        this.dst = dst;
        this.transfer = transfer;
        this.r = r;
        this.work = work;
        this.budget = budget;
        this.folderBytes = folderBytes;
        this.delta = new ImageDelta(src, transfer, r.sourceSysdir(), r.sourceSysdir() + "/" + SNAPSHOTS,
                r.destinationHost(), r.destinationSysdir(), budget);
    }

    /** While the container runs: snapshots of the images, then the folder and the snapshots to the destination. */
    long presync() {
        dst.check("creating " + r.destinationSysdir(), "mkdir -p " + Shell.quote(r.destinationSysdir()), QUICK);
        String without = delta.snapshot();
        if (!without.isEmpty()) {
            log.warn("{}: the freeze will copy whole disk images with rsync (it reads them on both hosts)", without);
        }
        Duration limit = budget.timeout(folderBytes);
        log.info("copies budgeted at {}: the pre-sync of {} may take {} s per attempt", budget,
                folderBytes < 0 ? "a folder of unknown size" : (folderBytes >> 20) + " MiB", limit.toSeconds());
        PresyncProgress tally = progress == MigrationProgress.NONE ? null : new PresyncProgress(progress, presyncBytes());
        var folder = copyFolder(false, null, "true", PRESYNC_ATTEMPTS, limit, tally == null ? null : tally.nextCopy());
        long images = delta.sendSnapshots(PRESYNC_ATTEMPTS, tally == null ? () -> null : tally::nextCopy);
        log.info("pre-sync of {} to {} while running: {} MiB of {} MiB sent in {} ms (+ {} MiB of snapshots of {})",
                r.sourceSysdir(), r.destinationHost(), folder.bytesSent() >> 20, folder.totalFileBytes() >> 20,
                folder.elapsed().toMillis(), images >> 20, delta.images().isEmpty() ? "no image" : delta.images());
        return folder.bytesSent() + images;
    }

    /**
     * What the pre-sync will copy, for its progress: the folder without what it leaves out, the images
     * counted in place of their snapshots (same size). -1 when it cannot be told; the copy goes on regardless.
     */
    private long presyncBytes() {
        try {
            CommandResult res = src.run(sizeCommand(r.sourceSysdir(), work), QUICK);
            String out = res.stdout().strip();
            return res.ok() && out.matches("\\d{1,18}") ? Long.parseLong(out) : -1;
        } catch (RuntimeException e) {
            log.debug("the size of {} for the pre-sync's progress is unknown: {}", r.sourceSysdir(), e.getMessage());
            return -1;
        }
    }

    /** Sums the apparent sizes (what rsync -S counts) of the files a pre-sync of {@code folder} copies. */
    static String sizeCommand(String folder, String work) {
        String prune = Stream.concat(PRESYNC_LEFT_OUT.stream(), Stream.of(work))
                .map(p -> "-path " + Shell.quote("./" + p)).collect(Collectors.joining(" -o "));
        return "cd " + Shell.quote(folder) + " && find . -xdev \\( " + prune + " \\) -prune -o -type f -printf '%s\\n'"
                + " | awk '{s+=$1} END {printf \"%.0f\\n\", s}'";
    }

    /** In the freeze: the images' changed blocks, then the rest of the folder with the dump's images. */
    long finalSync(MemoryTransport transport) {
        String flush = flushMounts();
        long blocks = delta.sendChanges(flush);
        return blocks + copyFolder(true, transport, delta.images().isEmpty() ? flush : "true", FREEZE_ATTEMPTS,
                budget.timeout(freezeBytes(transport)), null).bytesSent();
    }

    /**
     * The most the final sync may take at its own limits: each image's changed blocks (at most the folder)
     * and the folder with the dump's images.
     */
    Duration finalSyncLimit(MemoryTransport transport) {
        Duration each = budget.timeout(freezeBytes(transport));
        return each.multipliedBy(1L + delta.images().size());
    }

    /** The container is stopped and its disks unmounted (cold move): the same, without dump images. */
    long coldSync() {
        long blocks = delta.sendChanges("true");
        return blocks + copyFolder(false, null, "true", FREEZE_ATTEMPTS, budget.timeout(folderBytes), null).bytesSent();
    }

    /**
     * What the copy in the freeze moves at most: the folder (rsync reads whole images where there are no
     * snapshots) and, when the dump wrote the memory to files, the container's memory, at most what the VM
     * was given.
     */
    long freezeBytes(MemoryTransport transport) {
        if (folderBytes < 0) {
            return -1;
        }
        return folderBytes + (transport == MemoryTransport.LOCAL_IMAGES ? (long) r.vm().memoryMb() << 20 : 0);
    }

    /**
     * A loop-mounted image's file system keeps recent writes in its own cache; they must be in the image
     * file before it is mapped or copied. syncfs of the VM's own mounts, not a global sync: that would
     * also write out the memory images the dump just wrote and every other VM's dirty data (measured:
     * 0.8 s of a 256 MiB stop-and-copy freeze on the test bed). syncfs ends with a flush of the loop
     * device, which writes its image file's dirty pages.
     */
    private String flushMounts() {
        return "awk -v p=" + Shell.quote(r.sourceSysdir() + "/mapper/") + " 'index($2,p)==1 {print $2}' /proc/mounts"
                + " | while read -r m; do sync -f \"$m\" || exit 1; done";
    }

    /** The snapshots are removed once the migration ended, either way. */
    void discard() {
        delta.discard();
    }

    /** @param flush run first on the source, in the same round trip ("true": nothing to flush) */
    private FileTransfer.TransferResult copyFolder(boolean withDump, MemoryTransport transport, String flush, int attempts,
                                                   Duration timeout, LongConsumer bytes) {
        List<String> excludes = new ArrayList<>(PRESYNC_LEFT_OUT.stream().map(p -> "/" + p).toList());
        excludes.addAll(delta.excludes());
        if (!withDump) {
            excludes.add("/" + work);
        } else {
            excludes.addAll(List.of("/" + work + "/decision*", "/" + work + "/dump.rc", "/" + work + "/page-server.*",
                    "/" + work + "/lazy*", "/" + work + "/lease*", "/" + work + "/restore-begun", "/" + work + "/dump-start",
                    "/" + work + "/destination"));
            if (transport == MemoryTransport.PAGE_SERVER) {
                // the page server wrote these on the destination; excluded, they are also kept from --delete
                excludes.addAll(List.of("/" + work + "/images/pages-*.img", "/" + work + "/images/pagemap-*.img"));
            }
        }
        return transfer.copy(src, r.sourceSysdir() + "/", r.destinationHost(), r.destinationSysdir(),
                new FileTransfer.Options(true, excludes, true, flush, timeout, attempts, bytes));
    }
}
