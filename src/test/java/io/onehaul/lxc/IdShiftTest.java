package io.onehaul.lxc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.onehaul.testsupport.LocalShell;
import io.onehaul.testsupport.Proc;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk gets the owners of the container's id map once, before the container first runs from it: every
 * id moves by the same offset, set-id bits stay, and nothing outside the disk is touched through a symlink
 * the disk holds. Runs the host program itself (idshift.pl) on files here; chown needs root.
 */
class IdShiftTest {
    @TempDir Path disk;
    @TempDir Path outside;

    private static long owner(Path p) throws Exception {
        return ((Number) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
    }

    private static long group(Path p) throws Exception {
        return ((Number) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS)).longValue();
    }

    private static int mode(Path p) throws Exception {
        return ((Number) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)).intValue() & 07777;
    }

    private List<PreparedDisk> asRoot() {
        return List.of(new PreparedDisk(0, PreparedDisk.Role.ROOT, disk.toString(), disk.toString(), false, false, ""));
    }

    @Test
    void a_disk_is_shifted_to_the_map_once_keeping_set_id_bits_and_never_through_a_symlink() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "skipped: chown needs root");
        Path user = Files.writeString(disk.resolve("owned-by-1000"), "x");
        Path suid = Files.writeString(disk.resolve("su"), "x");
        Path target = Files.writeString(outside.resolve("host-file"), "x");
        Files.createSymbolicLink(disk.resolve("escape"), target);
        Proc.sh("chown 1000:1001 '" + user + "' && chmod 4755 '" + suid + "' && chown 0:0 '" + disk + "'", 10)
                .requireOk("preparing the disk");

        LxcHost host = new LxcHost(new LocalShell(), "/var/lib/lxc");
        host.shiftOwnership(asRoot(), IdMap.UNPRIVILEGED);

        assertEquals(IdMap.STOCK_BASE, owner(disk), "the disk's root is the container's root");
        assertEquals(IdMap.STOCK_BASE + 1000, owner(user));
        assertEquals(IdMap.STOCK_BASE + 1001, group(user));
        assertEquals(04755, mode(suid), "chown cleared nothing for good");
        assertEquals(IdMap.STOCK_BASE, owner(disk.resolve("escape")), "the link itself moved");
        assertEquals(0, owner(target), "what it points at, outside the disk, did not");

        Files.writeString(disk.resolve("added-later"), "x"); // host root's, as a later copy would leave it
        host.shiftOwnership(asRoot(), IdMap.UNPRIVILEGED);
        assertEquals(0, owner(disk.resolve("added-later")), "a shifted disk is not walked again");

        host.shiftOwnership(asRoot(), IdMap.PRIVILEGED);
        assertEquals(0, owner(disk), "back to the ids as they are inside");
        assertEquals(1000, owner(user));
    }

    @Test
    void a_shift_killed_half_way_is_finished_by_the_next_one() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "skipped: chown needs root");
        Path done = Files.writeString(disk.resolve("shifted-before-the-kill"), "x");
        Path left = Files.writeString(disk.resolve("not-reached"), "x");
        // the top is shifted last: a killed run leaves it unshifted, whatever it reached below
        Proc.sh("chown " + (IdMap.STOCK_BASE + 5) + ":" + (IdMap.STOCK_BASE + 5) + " '" + done + "' && chown 7:7 '" + left
                + "' && chown 0:0 '" + disk + "'", 10).requireOk("preparing the disk");

        new LxcHost(new LocalShell(), "/var/lib/lxc").shiftOwnership(asRoot(), IdMap.UNPRIVILEGED);

        assertEquals(IdMap.STOCK_BASE, owner(disk));
        assertEquals(IdMap.STOCK_BASE + 7, owner(left), "what the killed run did not reach is shifted now");
        assertEquals(IdMap.STOCK_BASE + 5, owner(done), "what it had shifted is not shifted twice");
    }
}
