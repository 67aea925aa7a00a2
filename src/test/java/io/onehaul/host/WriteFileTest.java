package io.onehaul.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.LocalShell;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file the driver writes on a host never follows what is at its path: a container that planted a symlink
 * in a folder it is given (its context) gets the link replaced, and the file it pointed at is untouched.
 */
class WriteFileTest {
    @TempDir Path given;
    @TempDir Path host;

    @Test
    void a_planted_symlink_is_replaced_never_written_through() throws Exception {
        Path target = Files.writeString(host.resolve("shadow"), "host's own\n");
        Path planted = given.resolve("context.sh");
        Files.createSymbolicLink(planted, target);

        new LocalShell().writeFile(planted.toString(), "ETH0_IP='10.0.0.5'\n".getBytes(StandardCharsets.UTF_8),
                Duration.ofSeconds(10));

        assertEquals("host's own\n", Files.readString(target), "the link's target is untouched");
        assertFalse(Files.isSymbolicLink(planted), "the link itself was replaced");
        assertEquals("ETH0_IP='10.0.0.5'\n", Files.readString(planted));
        assertTrue(Files.isReadable(planted));
        try (var left = Files.list(given)) {
            assertEquals(1, left.count(), "no temporary file is left beside it");
        }
    }

    @Test
    void a_planted_folder_at_the_path_is_not_written_into() throws Exception {
        Path planted = Files.createDirectory(given.resolve("context.sh"));
        try {
            new LocalShell().writeFile(planted.toString(), "x".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10));
        } catch (HostException expected) {
            // refusing is fine; writing inside it is not
        }
        try (var inside = Files.list(planted)) {
            assertEquals(0, inside.count(), "nothing was written into the folder");
        }
        try (var left = Files.list(given)) {
            assertEquals(1, left.count(), "no temporary file is left beside it");
        }
    }
}
