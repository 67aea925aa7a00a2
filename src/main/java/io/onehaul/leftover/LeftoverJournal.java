package io.onehaul.leftover;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front-end's record of leftovers on hosts that could not be reached: one file per leftover in a folder
 * of the driver's state directory, written whole or not at all (a temporary file, flushed, renamed). Looking
 * for a host's entries is one listing of a folder that is empty nearly always, so every action may ask.
 * Entries of a host are cleaned under a lock (a file lock, shared by every driver and hook process of this
 * front-end), so a hook and an action never clean the same host at once.
 */
public final class LeftoverJournal {
    private static final Logger log = LoggerFactory.getLogger(LeftoverJournal.class);
    static final String SUFFIX = ".leftover";

    private final Path dir;

    public LeftoverJournal(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** Records (or replaces) the leftover; returns its file. */
    public Path record(Leftover l) {
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(fileName(l));
            Path tmp = Files.createTempFile(dir, ".new-", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(l.toText().getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the leftover record in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Cheap: true if any entry may concern {@code host} (the file name starts with it). */
    public boolean mayHaveEntriesFor(String host) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, safe(host) + "--*" + SUFFIX)) {
            return s.iterator().hasNext();
        } catch (IOException e) {
            log.warn("cannot list the leftover records in {}: {}", dir, e.getMessage());
            return false;
        }
    }

    /** The host's entries (read from the files: the name only narrows the search). */
    public List<Leftover> entriesFor(String host) {
        List<Leftover> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, safe(host) + "--*" + SUFFIX)) {
            for (Path f : s) {
                try {
                    Leftover l = Leftover.parse(Files.readString(f, StandardCharsets.UTF_8), f.toString());
                    if (l.host().equals(host)) {
                        out.add(l);
                    }
                } catch (IOException | RuntimeException e) {
                    log.warn("skipping unreadable leftover record {}: {}", f, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the leftover records in " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    public Path fileOf(Leftover l) {
        return dir.resolve(fileName(l));
    }

    public void drop(Leftover l) {
        try {
            Files.deleteIfExists(dir.resolve(fileName(l)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the leftover record " + fileName(l) + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code body} holding this front-end's lock on {@code host}'s entries. */
    public <T> T underLock(String host, Supplier<T> body) {
        try {
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(dir.resolve("." + safe(host) + ".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock ignored = ch.lock()) {
                return body.get();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock the leftover records of " + host + " in " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    /** host--vmid--hash(sysdir).leftover: one file per VM folder left on a host. */
    static String fileName(Leftover l) {
        return safe(l.host()) + "--" + l.vmid() + "--" + shortHash(l.sysdir()) + SUFFIX;
    }

    /** Host names are validated words ([A-Za-z0-9_.:[]-]); anything else cannot reach a file name. */
    private static String safe(String host) {
        return host.replaceAll("[^A-Za-z0-9_.:\\[\\]-]", "_");
    }

    private static String shortHash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 5);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
