package io.onehaul.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.onehaul.policy.audit.AuditLog;
import io.onehaul.policy.audit.AuditVerification;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit log's hash chain: every edit, deletion or truncation is found, and concurrent appends keep it intact. */
class AuditLogTest {
    private static final Instant T = Instant.parse("2026-11-27T12:00:00Z");

    @TempDir Path tmp;

    private AuditLog logWith(int records) throws Exception {
        AuditLog log = new AuditLog(tmp.resolve("audit.jsonl"));
        for (int i = 1; i <= records; i++) {
            log.append(Map.of("event", "test", "n", i, "reasons", List.of(Map.of("code", "C" + i))), T.plusSeconds(i));
        }
        return log;
    }

    private static List<String> lines(AuditLog log) throws Exception {
        return new ArrayList<>(Files.readAllLines(log.path(), StandardCharsets.UTF_8));
    }

    private static void write(AuditLog log, List<String> lines) throws Exception {
        Files.write(log.path(), lines, StandardCharsets.UTF_8);
    }

    @Test
    void appendedRecordsFormAChainThatVerifies() throws Exception {
        AuditLog log = logWith(5);
        AuditVerification v = log.verify();
        assertTrue(v.ok(), v.describe());
        assertEquals(5, v.records());
        List<String> l = lines(log);
        JsonNode first = new ObjectMapper().readTree(l.get(0));
        JsonNode second = new ObjectMapper().readTree(l.get(1));
        assertEquals(1, first.get("seq").asInt());
        assertEquals(AuditLog.GENESIS, first.get("prev_hash").asText());
        assertEquals(first.get("hash").asText(), second.get("prev_hash").asText());
        assertEquals(T.plusSeconds(1).toString(), first.get("time").asText());
        assertEquals("test", first.get("event").asText());
        assertTrue(Files.readString(log.headPath()).contains("\"seq\":5"));
    }

    @Test
    void anEmptyOrAbsentLogVerifies() throws Exception {
        AuditVerification v = new AuditLog(tmp.resolve("none.jsonl")).verify();
        assertTrue(v.ok(), v.describe());
        assertEquals(0, v.records());
    }

    @Test
    void anEditedFieldIsDetectedAtThatSeq() throws Exception {
        AuditLog log = logWith(5);
        List<String> l = lines(log);
        l.set(2, l.get(2).replace("\"C3\"", "\"C9\""));
        write(log, l);
        AuditVerification v = log.verify();
        assertFalse(v.ok());
        assertEquals(3, v.brokenSeq(), v.describe());
        assertTrue(v.problem().contains("altered"), v.describe());
    }

    @Test
    void anEditedAndRehashedRecordIsDetectedAtTheNextSeq() throws Exception {
        AuditLog log = logWith(4);
        List<String> l = lines(log);
        // the forger recomputes record 2's own hash, but record 3 still names the old one
        com.fasterxml.jackson.databind.node.ObjectNode r = (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(l.get(1));
        r.put("event", "forged");
        r.remove("hash");
        String prev = r.get("prev_hash").asText();
        String hash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest((prev + io.onehaul.policy.audit.CanonicalJson.of(r)).getBytes(StandardCharsets.UTF_8)));
        r.put("hash", hash);
        l.set(1, r.toString());
        write(log, l);
        AuditVerification v = log.verify();
        assertEquals(3, v.brokenSeq(), v.describe());
    }

    @Test
    void aDeletedMiddleRecordIsDetected() throws Exception {
        AuditLog log = logWith(5);
        List<String> l = lines(log);
        l.remove(2);
        write(log, l);
        AuditVerification v = log.verify();
        assertFalse(v.ok());
        assertEquals(3, v.brokenSeq(), v.describe());
        assertTrue(v.problem().contains("missing"), v.describe());
    }

    @Test
    void aTruncatedTailIsDetectedThroughTheHead() throws Exception {
        AuditLog log = logWith(5);
        write(log, lines(log).subList(0, 3));
        AuditVerification v = log.verify();
        assertFalse(v.ok());
        assertEquals(4, v.brokenSeq(), v.describe());
        assertTrue(v.problem().contains("truncated"), v.describe());
    }

    @Test
    void aTruncatedTailStaysDetectedAfterFurtherAppends() throws Exception {
        AuditLog log = logWith(5);
        write(log, lines(log).subList(0, 3));
        log.append(Map.of("event", "after"), T.plusSeconds(100));
        AuditVerification v = log.verify();
        assertFalse(v.ok(), v.describe());
        assertEquals(4, v.brokenSeq(), v.describe());
    }

    @Test
    void aDeletedHeadIsReported() throws Exception {
        AuditLog log = logWith(2);
        Files.delete(log.headPath());
        AuditVerification v = log.verify();
        assertFalse(v.ok());
        assertTrue(v.problem().contains("head file"), v.describe());
    }

    @Test
    void aTruncatedLastLineIsDetected() throws Exception {
        AuditLog log = logWith(3);
        String text = Files.readString(log.path());
        Files.writeString(log.path(), text.substring(0, text.length() - 20));
        AuditVerification v = log.verify();
        assertEquals(3, v.brokenSeq(), v.describe());
    }

    @Test
    void reservedFieldsAreRefused() {
        AuditLog log = new AuditLog(tmp.resolve("audit.jsonl"));
        assertThrows(IllegalArgumentException.class, () -> log.append(Map.of("hash", "x"), T));
        assertThrows(IllegalArgumentException.class, () -> log.append(Map.of("seq", 1), T));
    }

    @Test
    void concurrentAppendsFromThreadsKeepTheChainValid() throws Exception {
        AuditLog shared = new AuditLog(tmp.resolve("audit.jsonl"));
        int threads = 8;
        int each = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            // a fresh AuditLog per thread, as separate driver invocations would have
            done.add(pool.submit(() -> {
                start.await();
                AuditLog mine = new AuditLog(tmp.resolve("audit.jsonl"));
                for (int i = 0; i < each; i++) {
                    mine.append(Map.of("event", "concurrent", "thread", thread, "i", i), Instant.now());
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        AuditVerification v = shared.verify();
        assertTrue(v.ok(), v.describe());
        assertEquals(threads * each, v.records());
        Set<String> seen = new HashSet<>();
        for (String line : lines(shared)) {
            JsonNode n = new ObjectMapper().readTree(line);
            assertTrue(seen.add(n.get("thread").asText() + "/" + n.get("i").asText()), "each append exactly once");
        }
    }

    @Test
    void concurrentAppendsFromSeveralProcessesKeepTheChainValid() throws Exception {
        Path log = tmp.resolve("audit.jsonl");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> procs = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            procs.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), AuditAppender.class.getName(),
                    log.toString(), "p" + p, "30").redirectErrorStream(true).start());
        }
        for (Process p : procs) {
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), output);
        }
        AuditVerification v = new AuditLog(log).verify();
        assertTrue(v.ok(), v.describe());
        assertEquals(90, v.records());
    }
}
