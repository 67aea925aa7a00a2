package io.onehaul.policy.facts;

import java.util.List;
import java.util.Objects;

/**
 * What the policy needs to know about a destination host, already read from oned.
 *
 * @param name the host's NAME (what its certificate is bound to)
 * @param country {@code TEMPLATE/COUNTRY}, normalised; empty when missing
 * @param organizations {@code TEMPLATE/ORGANIZATIONS}, normalised
 * @param certificate {@code TEMPLATE/PRIVACY_CERTIFICATE}
 * @param problems what made the attributes unreadable (e.g. COUNTRY given twice); empty normally
 */
public record HostPolicyFacts(String name, String country, List<String> organizations, CertificateBlob certificate,
                              List<String> problems) {
    public HostPolicyFacts {
        name = Objects.requireNonNullElse(name, "").strip();
        country = Codes.normalise(country);
        organizations = Codes.normalise(Objects.requireNonNullElse(organizations, List.of()));
        certificate = Objects.requireNonNullElse(certificate, CertificateBlob.absent());
        problems = List.copyOf(Objects.requireNonNullElse(problems, List.of()));
    }

    public static HostPolicyFacts of(String name, String country, List<String> organizations, CertificateBlob certificate) {
        return new HostPolicyFacts(name, country, organizations, certificate, List.of());
    }
}
