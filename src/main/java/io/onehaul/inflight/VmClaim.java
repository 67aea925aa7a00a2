package io.onehaul.inflight;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * A VM claimed by one action of this front-end: a file lock on {@code <dir>/vm-<id>.lock}, which the
 * operating system releases when the process ends however it ends (a killed driver leaves no stale claim),
 * and whose content names the holder for the refusal's message.
 */
public final class VmClaim implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private VmClaim(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Claims {@code vmid} for {@code action}, or throws {@link VmBusyException} naming the action that holds
     * it (what this claim writes is what the refusal of the next one will say).
     */
    public static VmClaim claim(Path dir, int vmid, String action, Instant now) {
        Path file = dir.resolve("vm-" + vmid + ".lock");
        FileChannel ch = null;
        try {
            Files.createDirectories(dir);
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // this very process holds it
            }
            if (lock == null) {
                String holder = Files.readString(file, StandardCharsets.UTF_8).strip();
                ch.close();
                throw new VmBusyException(action + " of VM " + vmid + " refused: "
                        + (holder.isEmpty() ? "another action" : holder) + " is in flight for it; nothing was done");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((action + " (pid " + ProcessHandle.current().pid() + ", started " + now + ")\n")
                    .getBytes(StandardCharsets.UTF_8)), 0);
            return new VmClaim(ch, lock);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UncheckedIOException("cannot claim VM " + vmid + " in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Lets the VM go; the file stays (removing it could race with the next claim's open). */
    @Override
    public void close() {
        try {
            channel.truncate(0);
            lock.release();
        } catch (IOException ignored) {
            // the lock goes with the channel below in any case
        } finally {
            closeQuietly(channel);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch == null) {
            return;
        }
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing held any more
        }
    }
}
