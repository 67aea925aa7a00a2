package io.onehaul.criu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.host.Shell;
import io.onehaul.testsupport.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host-side shell of a save (run here with /bin/sh in a temporary folder, a stand-in dump writing the
 * files): a dump becomes the checkpoint only whole, and the verifier names what is missing or cut short.
 */
class CheckpointFolderTest {
    @TempDir Path dir;

    private Proc.Result sh(String command) {
        return Proc.run(List.of("sh", "-c", command), dir, null, new byte[0], 30);
    }

    private CheckpointFolder folder() {
        return new CheckpointFolder(dir.resolve("vm/checkpoint").toString());
    }

    /** A stand-in for lxc-checkpoint -s: writes an inventory and 8 KiB of pages into the partial folder, then exits rc. */
    private static String fakeDump(CheckpointFolder cp, int rc, double seconds) {
        String p = Shell.quote(cp.partial());
        return "sleep " + seconds + "; echo inventory > " + p + "/inventory.img && head -c 8192 /dev/zero > " + p
                + "/pages-1.img; exit " + rc;
    }

    private String save(CheckpointFolder cp, int rc, double seconds) {
        assertEquals(0, sh("mkdir -p " + Shell.quote(dir.resolve("vm").toString()) + " && " + cp.clearCommand()).exit());
        assertEquals(0, sh(cp.startDetachedCommand(fakeDump(cp, rc, seconds))).exit());
        return sh(cp.awaitCommand()).stdout().strip();
    }

    @Test
    void aFinishedDumpIsRenamedIntoPlaceWithItsManifestAndVerifies() throws Exception {
        CheckpointFolder cp = folder();
        assertEquals("0", save(cp, 0, 0.2));
        assertTrue(Files.isRegularFile(Path.of(cp.path(), CheckpointFolder.MANIFEST)));
        assertFalse(Files.exists(Path.of(cp.partial())), "no partial left");
        Proc.Result v = sh(cp.verifyCommand());
        assertEquals(0, v.exit(), v.stdout() + v.stderr());
        assertEquals(0, sh(cp.forgetCommand()).exit());
        assertEquals("none", sh(cp.awaitCommand()).stdout().strip(), "nothing pending once forgotten");
    }

    @Test
    void aFileCutShortOrMissingIsNamedAndACheckpointWithoutManifestIsIncomplete() throws Exception {
        CheckpointFolder cp = folder();
        assertEquals("0", save(cp, 0, 0));
        Path pages = Path.of(cp.path(), "pages-1.img");
        Files.write(pages, new byte[4096]);
        Proc.Result shorter = sh(cp.verifyCommand());
        assertEquals(CheckpointFolder.INCOMPLETE, shorter.exit());
        assertEquals("pages-1.img has 4096 bytes, the dump wrote 8192", shorter.stdout().strip());
        Files.delete(pages);
        assertEquals("pages-1.img is missing", sh(cp.verifyCommand()).stdout().strip());
        Files.delete(Path.of(cp.path(), CheckpointFolder.MANIFEST));
        assertEquals("it has no manifest: the save did not finish", sh(cp.verifyCommand()).stdout().strip());
    }

    @Test
    void aFailedDumpLeavesNoCheckpointOnlyItsPartialWhichNeverVerifies() {
        CheckpointFolder cp = folder();
        assertEquals("1", save(cp, 1, 0));
        assertFalse(Files.exists(Path.of(cp.path())), "a failed dump never becomes the checkpoint");
        Proc.Result v = sh(cp.verifyCommand());
        assertEquals(CheckpointFolder.INCOMPLETE, v.exit());
        assertEquals("there is only a partial dump beside it: the save did not finish", v.stdout().strip());
        assertEquals(0, sh(cp.forgetCommand()).exit());
        assertEquals("there is no checkpoint", sh(cp.verifyCommand()).stdout().strip());
    }

    @Test
    void aSaveOutlivesWhoStartedItAndASecondWaiterGetsItsStatus() {
        CheckpointFolder cp = folder();
        assertEquals(0, sh("mkdir -p " + Shell.quote(dir.resolve("vm").toString()) + " && " + cp.clearCommand()).exit());
        // started by a shell that exits at once (the driver killed right after starting it)
        assertEquals(0, sh(cp.startDetachedCommand(fakeDump(cp, 0, 1.0))).exit());
        assertFalse(Files.exists(Path.of(cp.path())), "still dumping");
        assertEquals("0", sh(cp.awaitCommand()).stdout().strip(), "a later waiter finds its end");
        assertEquals(0, sh(cp.verifyCommand()).exit());
    }

    @Test
    void aSaveWhoseProcessDiedWithoutAStatusIsReportedGone() throws Exception {
        CheckpointFolder cp = folder();
        assertEquals(0, sh("mkdir -p " + Shell.quote(dir.resolve("vm").toString()) + " && " + cp.clearCommand()).exit());
        Files.writeString(Path.of(cp.saving(), "pid"), "999999999\n"); // the host rebooted under it
        assertEquals("gone", sh(cp.awaitCommand()).stdout().strip());
    }
}
