package io.onehaul.policy.cert;

import java.util.Objects;

/** One thing found wrong, of a kind a caller can switch on, with a line for people. */
public record Finding<K extends Enum<K>>(K kind, String detail) {
    public Finding {
        Objects.requireNonNull(kind, "kind");
        detail = Objects.requireNonNullElse(detail, "");
    }
}
