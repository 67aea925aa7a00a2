package io.onehaul.policy.decision;

import java.util.Objects;

/** One reason of a decision: a stable code for machines and a line for people. */
public record Reason(ReasonCode code, String detail) {
    public Reason {
        Objects.requireNonNull(code, "code");
        detail = Objects.requireNonNullElse(detail, "").replaceAll("[\\r\\n]+", " ").strip();
    }

    @Override
    public String toString() {
        return code + ": " + detail;
    }
}
