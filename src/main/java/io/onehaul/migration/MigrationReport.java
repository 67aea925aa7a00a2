package io.onehaul.migration;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one record each migration leaves (JSON line + a VM-log summary): strategy, phases with their
 * durations and bytes, the freeze as the hosts' clocks saw it, and the result.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class MigrationReport {
    public record PhaseRecord(String phase, long ms, Long bytes, String error) {}

    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    public String time;
    public int vm;
    public String container;
    public String strategy;
    /** Why this strategy ran (the choice's reason, for the VM log). */
    public String strategyReason;
    public String source;
    public String destination;
    public String sourceFolder;
    public String destinationFolder;
    public boolean sharedDatastore;
    /** How the copies went between the hosts: "direct: …" or "relay: …" (through the front-end), and why. */
    public String transferPath;
    public final List<PhaseRecord> phases = new ArrayList<>();
    /** Per-round figures and other lines worth keeping (pre-dump rounds, why a loop stopped). */
    public final List<String> notes = new ArrayList<>();
    /** Dump start on the source's clock to restore confirmed on the destination's clock (offset-corrected). */
    public Double freezeSeconds;
    public Double destinationClockOffsetSeconds;
    public double totalSeconds;
    public long bytesMoved;
    /** "success", "refused" (nothing changed), "rolled-back" (runs on the source), "failed". */
    public String result;
    public String reason;

    MigrationReport(MigrationRequest r, String strategy, String time) {
        this.time = time;
        this.vm = r.vmid();
        this.container = r.container();
        this.strategy = strategy;
        this.source = r.sourceHost();
        this.destination = r.destinationHost();
        this.sourceFolder = r.sourceSysdir();
        this.destinationFolder = r.destinationSysdir();
        this.sharedDatastore = r.sharedDatastore();
    }

    /** A migration the policy refused before it started. */
    public static MigrationReport refused(MigrationRequest r, String strategy, String reason) {
        MigrationReport m = new MigrationReport(r, strategy, java.time.Instant.now().toString());
        m.result = "refused";
        m.reason = reason;
        return m;
    }

    void add(Phase p, long ms, Long bytes, String error) {
        phases.add(new PhaseRecord(p.name().toLowerCase(Locale.ROOT), ms, bytes, error));
        if (bytes != null && bytes > 0) {
            bytesMoved += bytes;
        }
    }

    /** Adds bytes to the latest record of {@code p} (a phase whose bytes are known only after it ended). */
    void addBytes(Phase p, long bytes) {
        String name = p.name().toLowerCase(Locale.ROOT);
        for (int i = phases.size() - 1; i >= 0; i--) {
            PhaseRecord x = phases.get(i);
            if (x.phase().equals(name)) {
                long before = x.bytes() == null ? 0 : x.bytes();
                phases.set(i, new PhaseRecord(x.phase(), x.ms(), before + bytes, x.error()));
                if (bytes > 0) {
                    bytesMoved += bytes;
                }
                return;
            }
        }
        throw new IllegalStateException("no " + name + " phase to add bytes to");
    }

    public long phaseMs(Phase p) {
        String name = p.name().toLowerCase(Locale.ROOT);
        return phases.stream().filter(x -> x.phase().equals(name)).mapToLong(PhaseRecord::ms).sum();
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One line for the VM log. */
    public String summary() {
        StringBuilder sb = new StringBuilder("migration ").append(result).append(": ").append(strategy).append(' ')
                .append(source).append(" -> ").append(destination);
        if (freezeSeconds != null) {
            sb.append(String.format(Locale.ROOT, ", freeze %.2f s (dump %.2f, copy %.2f, restore %.2f)", freezeSeconds,
                    phaseMs(Phase.DUMP) / 1000.0, phaseMs(Phase.FINAL_SYNC) / 1000.0, phaseMs(Phase.RESTORE) / 1000.0));
        }
        sb.append(String.format(Locale.ROOT, ", total %.2f s, %.1f MiB moved", totalSeconds, bytesMoved / 1048576.0));
        if (reason != null) {
            sb.append(", reason: ").append(reason);
        }
        return sb.toString();
    }
}
