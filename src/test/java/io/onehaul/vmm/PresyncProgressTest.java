package io.onehaul.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.onehaul.progress.RecordedProgress;
import io.onehaul.testsupport.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pre-sync's copies (the folder, then each image's snapshot) shown as one count against one total. */
class PresyncProgressTest {
    @TempDir Path dir;

    @Test
    void theCopiesAddUpAgainstTheMeasuredTotal() {
        RecordedProgress seen = new RecordedProgress();
        PresyncProgress presync = new PresyncProgress(seen, 1000);

        LongConsumer folder = presync.nextCopy();
        folder.accept(100);
        folder.accept(200);
        LongConsumer image = presync.nextCopy();
        image.accept(300);
        image.accept(800);

        assertEquals(List.of("phase pre-sync 100/1000", "phase pre-sync 200/1000", "phase pre-sync 500/1000",
                "phase pre-sync 1000/1000"), seen.calls);
    }

    @Test
    void aResumedCopyCountingFromZeroAgainIsNotCountedTwice() {
        RecordedProgress seen = new RecordedProgress();
        PresyncProgress presync = new PresyncProgress(seen, -1);

        LongConsumer folder = presync.nextCopy();
        folder.accept(400);
        folder.accept(0);     // the connection broke; the next attempt's meter starts over
        folder.accept(450);

        assertEquals("phase pre-sync 450/-1", seen.calls.get(seen.calls.size() - 1));
    }

    @Test
    void theTotalIsWhatThePreSyncCopiesNotWhatItLeavesOut() throws Exception {
        Path vm = Files.createDirectories(dir.resolve("datastores/100/7"));
        Files.write(vm.resolve("disk.1"), new byte[1000]);                 // an image: its snapshot is sent instead
        Files.write(Files.createDirectories(vm.resolve("disk.0.rootfs/etc")).resolve("hostname"), new byte[500]);
        Files.write(vm.resolve("deployment.0"), new byte[24]);
        Files.write(Files.createDirectories(vm.resolve("mapper/disk.1")).resolve("mounted"), new byte[7777]);
        Files.write(vm.resolve("checkpoint"), new byte[6666]);
        Files.write(Files.createDirectories(vm.resolve(".migration")).resolve("old"), new byte[5555]);
        Files.write(Files.createDirectories(vm.resolve(VmFolderSync.SNAPSHOTS)).resolve("disk.1"), new byte[1000]);

        Proc.Result r = Proc.run(List.of("sh", "-c", VmFolderSync.sizeCommand(vm.toString(), ".migration")), null, null,
                null, 30).requireOk("size");

        assertEquals("1524", r.stdout().strip(), "disk.1, the rootfs and the deployment file");
    }
}
