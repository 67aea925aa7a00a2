package io.onehaul.policy.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Append-only audit log: one JSON object per line, {@code seq} counting from 1, {@code time},
 * {@code prev_hash} (the previous record's hash; 64 zeros for the first) and {@code hash} =
 * SHA-256 hex of prev_hash + the canonical JSON of the record without {@code hash}. Editing or deleting
 * a record breaks the chain at that seq. {@code <log>.head} holds the last seq and hash, so cutting off
 * the tail is detected too.
 *
 * <p>Appends hold an exclusive lock on the log file (several driver processes append at once) and,
 * because a JVM may not take the same file lock twice, an in-process lock as well.
 *
 * <p>Limits: the hashes are not keyed, so someone who can rewrite both the log and its head can forge a
 * consistent history; ship the head (or the log) off the front-end when that matters.
 */
public final class AuditLog {
    public static final String GENESIS = "0".repeat(64);
    private static final Set<String> RESERVED = Set.of("seq", "time", "prev_hash", "hash");
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path log;
    private final Path head;

    public AuditLog(Path log) {
        this.log = log.toAbsolutePath().normalize();
        this.head = this.log.resolveSibling(this.log.getFileName() + ".head");
    }

    public Path path() {
        return log;
    }

    public Path headPath() {
        return head;
    }

    /** Where the chain stands: the last seq and its hash. */
    public record Position(long seq, String hash) {}

    /** Appends one record with {@code fields} (any JSON-mappable values; the reserved keys are refused). */
    public Position append(Map<String, ?> fields, Instant time) throws IOException {
        for (String k : fields.keySet()) {
            if (RESERVED.contains(k)) {
                throw new IllegalArgumentException("audit field '" + k + "' is reserved");
            }
        }
        ReentrantLock inProcess = IN_PROCESS.computeIfAbsent(log, p -> new ReentrantLock());
        inProcess.lock();
        try {
            Files.createDirectories(log.getParent());
            // one channel for lock, read and write: closing any other descriptor of the file would drop
            // the process's POSIX lock (fcntl semantics), so nothing else may open the log meanwhile
            try (FileChannel ch = FileChannel.open(log, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE); FileLock ignored = ch.lock()) {
                Position prev = previous(ch);
                ObjectNode rec = CanonicalJson.MAPPER.createObjectNode();
                rec.put("seq", prev.seq() + 1);
                rec.put("time", time.toString());
                rec.put("prev_hash", prev.hash());
                for (Map.Entry<String, ?> e : fields.entrySet()) {
                    rec.set(e.getKey(), CanonicalJson.MAPPER.valueToTree(e.getValue()));
                }
                String hash = hash(prev.hash(), rec);
                rec.put("hash", hash);
                ByteBuffer line = ByteBuffer.wrap((CanonicalJson.of(rec) + "\n").getBytes(StandardCharsets.UTF_8));
                for (long at = ch.size(); line.hasRemaining(); ) {
                    at += ch.write(line, at);
                }
                ch.force(false);
                Position now = new Position(prev.seq() + 1, hash);
                writeHead(now);
                return now;
            }
        } finally {
            inProcess.unlock();
        }
    }

    /**
     * The head wins unless it is behind the log (a crash between the two writes): if the tail was cut
     * off, chaining from the head keeps the gap visible instead of papering over it.
     */
    private Position previous(FileChannel ch) throws IOException {
        Optional<Position> h = readHead();
        Optional<Position> last = lastRecord(ch);
        if (h.isPresent() && (last.isEmpty() || h.get().seq() >= last.get().seq())) {
            return h.get();
        }
        return last.orElse(new Position(0, GENESIS));
    }

    public AuditVerification verify() throws IOException {
        // in-process only: our reader's close must not release the file lock of an append in this JVM
        ReentrantLock inProcess = IN_PROCESS.computeIfAbsent(log, p -> new ReentrantLock());
        inProcess.lock();
        try {
            return verifyUnlocked();
        } finally {
            inProcess.unlock();
        }
    }

    private AuditVerification verifyUnlocked() throws IOException {
        Optional<Position> h;
        try {
            h = readHead();
        } catch (IOException | RuntimeException e) {
            return AuditVerification.broken(0, 1, "head file " + head + " is unreadable");
        }
        long expected = 1;
        String prevHash = GENESIS;
        String hashAtHead = null;
        if (Files.exists(log)) {
            try (BufferedReader r = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
                for (String line = r.readLine(); line != null; line = r.readLine(), expected++) {
                    String problem = checkRecord(line, expected, prevHash);
                    if (problem != null) {
                        return AuditVerification.broken(expected - 1, expected, problem);
                    }
                    prevHash = CanonicalJson.MAPPER.readTree(line).get("hash").asText();
                    if (h.isPresent() && h.get().seq() == expected) {
                        hashAtHead = prevHash;
                    }
                }
            }
        }
        long records = expected - 1;
        if (h.isEmpty()) {
            return records == 0 ? AuditVerification.intact(0, GENESIS)
                    : AuditVerification.broken(records, records + 1,
                            "head file " + head + " is missing: a cut-off tail cannot be ruled out");
        }
        Position p = h.get();
        if (p.seq() > records) {
            return AuditVerification.broken(records, records + 1, "records " + (records + 1) + ".." + p.seq()
                    + " are missing: the log was truncated (the head says " + p.seq() + ")");
        }
        if (p.seq() < records) {
            return AuditVerification.broken(records, p.seq() + 1, "records after " + p.seq()
                    + " are not confirmed by the head file");
        }
        if (p.seq() > 0 && !p.hash().equals(hashAtHead)) {
            return AuditVerification.broken(records, p.seq(), "record " + p.seq() + " differs from the head file's hash");
        }
        return AuditVerification.intact(records, prevHash);
    }

    /** Null when the line is record {@code seq} chained to {@code prevHash}; else what is wrong. */
    private static String checkRecord(String line, long seq, String prevHash) {
        JsonNode n;
        try {
            n = CanonicalJson.MAPPER.readTree(line);
        } catch (IOException e) {
            n = null;
        }
        if (n == null || !n.isObject()) {
            return "line " + seq + " is not a JSON object";
        }
        JsonNode s = n.get("seq");
        if (s == null || !s.canConvertToExactIntegral() || s.asLong() != seq) {
            return s != null && s.asLong() > seq ? "record " + seq + " is missing (found seq " + s.asText() + ")"
                    : "expected seq " + seq + ", found " + (s == null ? "none" : s.asText());
        }
        if (!n.path("prev_hash").asText().equals(prevHash)) {
            return "prev_hash does not match record " + (seq - 1);
        }
        JsonNode stored = n.get("hash");
        ObjectNode body = ((ObjectNode) n).deepCopy();
        body.remove("hash");
        if (stored == null || !stored.asText().equals(hash(prevHash, body))) {
            return "record was altered (hash mismatch)";
        }
        return null;
    }

    static String hash(String prevHash, JsonNode recordWithoutHash) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(prevHash.getBytes(StandardCharsets.UTF_8));
            d.update(CanonicalJson.of(recordWithoutHash).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private Optional<Position> readHead() throws IOException {
        String text;
        try {
            text = Files.readString(head, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        JsonNode n = CanonicalJson.MAPPER.readTree(text);
        if (n == null || !n.path("seq").canConvertToExactIntegral() || !n.path("hash").isTextual()) {
            throw new IOException("head file " + head + " does not hold {\"seq\":N,\"hash\":\"...\"}");
        }
        return Optional.of(new Position(n.get("seq").asLong(), n.get("hash").asText()));
    }

    private void writeHead(Position p) throws IOException {
        ObjectNode n = CanonicalJson.MAPPER.createObjectNode().put("seq", p.seq()).put("hash", p.hash());
        Path tmp = head.resolveSibling(head.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap((n + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.force(false);
        }
        Files.move(tmp, head, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** The last line's seq and hash, read backwards from the end (logs grow; appends stay cheap). */
    private static Optional<Position> lastRecord(FileChannel ch) {
        try {
            long end = ch.size();
            while (end > 0 && byteAt(ch, end - 1) == '\n') {
                end--;
            }
            if (end == 0) {
                return Optional.empty();
            }
            long start = end;
            ByteBuffer chunk = ByteBuffer.allocate(8192);
            search:
            while (start > 0) {
                int n = (int) Math.min(chunk.capacity(), start);
                chunk.clear().limit(n);
                while (chunk.hasRemaining() && ch.read(chunk, start - n + chunk.position()) > 0) {
                    // positional reads until the chunk is in
                }
                for (int i = n - 1; i >= 0; i--) {
                    if (chunk.get(i) == '\n') {
                        start = start - n + i + 1;
                        break search;
                    }
                }
                start -= n;
            }
            ByteBuffer line = ByteBuffer.allocate((int) Math.min(end - start, 16L * 1024 * 1024));
            while (line.hasRemaining() && ch.read(line, start + line.position()) > 0) {
                // positional reads until the line is in
            }
            JsonNode rec = CanonicalJson.MAPPER.readTree(new String(line.array(), 0, line.position(), StandardCharsets.UTF_8));
            if (rec == null || !rec.path("seq").canConvertToExactIntegral() || !rec.path("hash").isTextual()) {
                return Optional.empty();
            }
            return Optional.of(new Position(rec.get("seq").asLong(), rec.get("hash").asText()));
        } catch (IOException e) {
            return Optional.empty(); // an unreadable last line: verify reports it; the head still chains
        }
    }

    private static int byteAt(FileChannel ch, long pos) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1);
        return ch.read(b, pos) == 1 ? b.get(0) : -1;
    }
}
