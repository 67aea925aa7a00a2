package io.onehaul.policy.decision;

import java.time.Duration;
import java.util.Objects;

/**
 * Operator settings the decision depends on.
 *
 * @param clockSkew tolerance applied to every validity period (certificates, CRL, PCA certificate),
 *                  because the PCA's and the front-end's clocks are never exactly in step
 * @param mandatory true: a VM without REGULATION is refused; false: it may go anywhere
 */
public record PolicySettings(Duration clockSkew, boolean mandatory) {
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(300);
    public static final PolicySettings DEFAULTS = new PolicySettings(DEFAULT_CLOCK_SKEW, false);

    public PolicySettings {
        Objects.requireNonNull(clockSkew, "clockSkew");
        if (clockSkew.isNegative()) {
            throw new IllegalArgumentException("clock skew must not be negative");
        }
    }
}
