package io.onehaul.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostShell;
import io.onehaul.migration.MemoryTransport;
import io.onehaul.migration.MigrationRequest;
import io.onehaul.opennebula.DriverMessage;
import io.onehaul.opennebula.VmmArgs;
import io.onehaul.testsupport.Fixtures;
import io.onehaul.transfer.FileTransfer;
import io.onehaul.transfer.TransferBudget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which time limit each copy of a live migration's VM folder gets: the budget for the bytes it moves (the
 * folder, the memory dump, a snapshot, the changed blocks), not one fixed figure for all.
 */
class VmFolderSyncBudgetTest {
    private static final long MIB = 1L << 20;
    private static final long FOLDER = 700 * MIB;
    private static final long IMAGE = 64 * MIB;
    private static final TransferBudget BUDGET = new TransferBudget(MIB, 0, Duration.ofSeconds(300));

    /** Copies nothing; remembers what was copied and with which limit. */
    static final class Recording implements FileTransfer {
        final List<String> copies = new ArrayList<>();

        @Override
        public TransferResult copy(HostShell source, String srcPath, String dstHost, String dstPath, Options o) {
            copies.add(srcPath + " " + o.timeout().toSeconds());
            return new TransferResult(0, 0, Duration.ZERO);
        }

        @Override
        public TransferResult copyRanges(HostShell source, String srcFile, String ranges, long size, String dstHost,
                                         String dstFile, Duration timeout) {
            copies.add("ranges " + srcFile + " " + timeout.toSeconds());
            return new TransferResult(0, size, Duration.ZERO);
        }

        @Override
        public TransferResult copyRangesToNewFile(HostShell source, String srcFile, String ranges, long size, String dstHost,
                                                  String dstFile, Duration timeout, int attempts,
                                                  java.util.function.LongConsumer progress) {
            copies.add("new " + srcFile + " " + timeout.toSeconds());
            return new TransferResult(0, size, Duration.ZERO);
        }
    }

    /** The source: one disk image that snapshots, whose first MiB was written since; every other command succeeds. */
    static final class Source implements HostShell {
        final boolean withImage;
        final String folder;

        Source(boolean withImage, String folder) {
            this.withImage = withImage;
            this.folder = folder;
        }

        @Override public String host() { return "h1"; }

        @Override public CommandResult run(String command, byte[] stdin, Duration timeout) {
            String out = "";
            if (withImage && command.contains("cp --reflink=always")) {
                out = "disk.0 " + IMAGE + "\n";
            } else if (withImage && command.contains("perl -e")) {   // fiemap.pl: new blocks at 0..1 MiB
                out = "file " + IMAGE + " " + folder + "/disk.0\n0 1000000 1048576 0\n"
                        + "file " + IMAGE + " " + folder + "/" + VmFolderSync.SNAPSHOTS + "/disk.0\n0 2000000 1048576 0\n";
            }
            return new CommandResult(0, out, "", Duration.ZERO);
        }

        @Override public void close() {}
    }

    private static MigrationRequest request() {
        DriverMessage m = DriverMessage.parse(Fixtures.text("0006-vmm-migrate.stdin.xml"));
        return MigrationRequest.from(VmmArgs.migrate(List.of("one-3", "h2", "h1", "3", "h1")), m, "/var/lib/one/datastores");
    }

    private static long limit(long bytes) {
        return BUDGET.timeout(bytes).toSeconds();
    }

    private static List<String> run(boolean withImage, long folderBytes, MemoryTransport transport) {
        MigrationRequest r = request();
        Recording transfer = new Recording();
        Source src = new Source(withImage, r.sourceSysdir());
        VmFolderSync sync = new VmFolderSync(src, new Source(false, ""), transfer, r, ".migration", BUDGET, folderBytes,
                io.onehaul.progress.MigrationProgress.NONE);
        sync.presync();
        sync.finalSync(transport);
        return transfer.copies;
    }

    @Test
    void thePreSyncGetsTheFolderSizesLimitAndTheFreezeCopyAddsTheMemoryDump() {
        String folder = request().sourceSysdir() + "/";
        assertEquals(64, request().vm().memoryMb());
        assertEquals(List.of(folder + " " + limit(FOLDER), folder + " " + limit(FOLDER + 64 * MIB)),
                run(false, FOLDER, MemoryTransport.LOCAL_IMAGES));
        assertEquals(60 + 3 * 700, limit(FOLDER), "700 MiB at 1 MiB/s, three times, after the setup");
    }

    @Test
    void pagesThatWentToThePageServerAreNotCountedInTheFreezeCopy() {
        String folder = request().sourceSysdir() + "/";
        assertEquals(List.of(folder + " " + limit(FOLDER), folder + " " + limit(FOLDER)),
                run(false, FOLDER, MemoryTransport.PAGE_SERVER));
    }

    @Test
    void aSnapshotGetsItsImagesLimitAndTheChangedBlocksTheirs() {
        String dir = request().sourceSysdir();
        assertEquals(List.of(
                dir + "/ " + limit(FOLDER),
                "new " + dir + "/" + VmFolderSync.SNAPSHOTS + "/disk.0 " + limit(MIB),   // its data: 1 MiB of 64
                "ranges " + dir + "/disk.0 " + limit(MIB),
                dir + "/ " + limit(FOLDER)), run(true, FOLDER, MemoryTransport.PAGE_SERVER));
    }

    @Test
    void aFolderOfUnknownSizeKeepsTheFixedLimit() {
        String folder = request().sourceSysdir() + "/";
        assertEquals(List.of(folder + " 300", folder + " 300"), run(false, -1, MemoryTransport.LOCAL_IMAGES));
    }
}
