package io.onehaul.policy.pca;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The PCA's directory: {@code pca.key} (PKCS#8 PEM, mode 0600), {@code pca.crt}, {@code serial} (next
 * attribute-certificate serial), {@code issued} and {@code revoked} (one line per certificate),
 * {@code crlnumber}, {@code pca.crl} (the published list) and {@code .lock}. Plain text, so an operator
 * can read and back it up with ordinary tools.
 */
final class PcaFiles {
    static final String KEY = "pca.key";
    static final String CERT = "pca.crt";
    static final String SERIAL = "serial";
    static final String ISSUED = "issued";
    static final String REVOKED = "revoked";
    static final String CRL_NUMBER = "crlnumber";
    static final String CRL = "pca.crl";
    private static final String LOCK = ".lock";

    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    private final Path dir;

    PcaFiles(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    Path file(String name) {
        return dir.resolve(name);
    }

    void createDirectory() throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            setPermissions(dir, OWNER_ONLY_DIR);
        }
    }

    String read(String name) throws IOException {
        return Files.readString(file(name), StandardCharsets.UTF_8);
    }

    byte[] readBytes(String name) throws IOException {
        return Files.readAllBytes(file(name));
    }

    /** The private key must never be readable by others, not even for an instant: created 0600. */
    void createSecret(String name, String content) throws IOException {
        Path f = file(name);
        try {
            Files.createFile(f, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
        } catch (UnsupportedOperationException e) {
            Files.createFile(f);
        }
        setPermissions(f, OWNER_ONLY_FILE); // also where the file system ignored the create attribute
        Files.writeString(f, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    }

    void createNew(String name, String content) throws IOException {
        Files.writeString(file(name), content, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
    }

    void append(String name, String line) throws IOException {
        Files.writeString(file(name), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    /** Write-then-rename, so a reader (or a crash) never sees half a serial counter or CRL. */
    static void replace(Path target, byte[] content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(tmp, content);
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    void replace(String name, String content) throws IOException {
        replace(file(name), content.getBytes(StandardCharsets.UTF_8));
    }

    /** Serialises operators (or scripts) working on the same PCA at once. */
    FileLock lock() throws IOException {
        FileChannel ch = FileChannel.open(file(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            return ch.lock();
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    static void release(FileLock lock) throws IOException {
        try (FileChannel ch = lock.channel()) {
            lock.release();
        }
    }

    boolean exists(String name) {
        return Files.exists(file(name));
    }

    static void refuseExisting(Path f) throws IOException {
        if (Files.exists(f)) {
            throw new FileAlreadyExistsException(f.toString(), null, "a PCA already exists here");
        }
    }

    private static void setPermissions(Path p, Set<PosixFilePermission> perms) throws IOException {
        try {
            Files.setPosixFilePermissions(p, perms);
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing more we can do portably
        }
    }
}
