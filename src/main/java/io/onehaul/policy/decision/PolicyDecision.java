package io.onehaul.policy.decision;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The answer to "may this VM live on this host?": ALLOW or DENY and every reason. A DENY carries all
 * the deny reasons found (not only the first), so one check tells the operator everything to fix.
 */
public record PolicyDecision(Outcome outcome, List<Reason> reasons, int vmId, String host, Instant time) {
    public enum Outcome { ALLOW, DENY }

    private static final ObjectMapper JSON = new ObjectMapper();

    public PolicyDecision {
        Objects.requireNonNull(outcome, "outcome");
        reasons = List.copyOf(reasons);
        host = Objects.requireNonNullElse(host, "");
        Objects.requireNonNull(time, "time");
        if (reasons.isEmpty()) {
            throw new IllegalArgumentException("a decision needs at least one reason");
        }
        boolean allReasonsAllow = reasons.stream().allMatch(r -> r.code().allows());
        if ((outcome == Outcome.ALLOW) != allReasonsAllow) {
            throw new IllegalArgumentException(outcome + " with reasons " + reasons);
        }
    }

    public boolean allowed() {
        return outcome == Outcome.ALLOW;
    }

    public List<ReasonCode> codes() {
        return reasons.stream().map(Reason::code).toList();
    }

    public boolean has(ReasonCode code) {
        return reasons.stream().anyMatch(r -> r.code() == code);
    }

    /**
     * {@code {"decision":"DENY","vm_id":4,"host":"h2","time":"…","reasons":[{"code":"…","detail":"…"}]}}.
     */
    public ObjectNode toJsonNode() {
        ObjectNode n = JSON.createObjectNode();
        n.put("decision", outcome.name());
        n.put("vm_id", vmId);
        n.put("host", host);
        n.put("time", time.toString());
        ArrayNode rs = n.putArray("reasons");
        for (Reason r : reasons) {
            rs.addObject().put("code", r.code().name()).put("detail", r.detail());
        }
        return n;
    }

    public String toJson() {
        return toJsonNode().toString();
    }

    /** The fields an audit record of this decision carries (see the audit log). */
    public Map<String, Object> auditFields() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", "policy.decision");
        m.put("decision", outcome.name());
        m.put("vm_id", vmId);
        m.put("host", host);
        m.put("decided_at", time.toString());
        m.put("reasons", reasons.stream().map(r -> Map.of("code", r.code().name(), "detail", r.detail())).toList());
        return m;
    }

    /** For people: the outcome line, then one indented line per reason. */
    public String toText() {
        StringBuilder b = new StringBuilder();
        b.append(outcome).append(": VM ").append(vmId).append(" on host ").append(host.isEmpty() ? "?" : host).append('\n');
        for (Reason r : reasons) {
            b.append("  ").append(r.code()).append(": ").append(r.detail()).append('\n');
        }
        return b.toString();
    }
}
