package io.onehaul.policy;

import io.onehaul.policy.audit.AuditLog;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/** A separate process appending to one audit log, as concurrent driver invocations do: {@code <log> <tag> <count>}. */
public final class AuditAppender {
    private AuditAppender() {}

    public static void main(String[] args) throws Exception {
        AuditLog log = new AuditLog(Path.of(args[0]));
        for (int i = 0; i < Integer.parseInt(args[2]); i++) {
            log.append(Map.of("event", "process", "tag", args[1], "i", i), Instant.now());
        }
    }
}
