package io.onehaul.policy.cert;

import java.util.List;
import java.util.Optional;
import org.bouncycastle.cert.X509AttributeCertificateHolder;

/**
 * The result of checking one attribute certificate: what it says (when it could be read at all) and
 * what is wrong with it. Attributes are reported even for a certificate with problems, so that an
 * operator can see what a rejected certificate claimed; they must only be trusted when {@link #ok()}.
 */
public record CertCheck(Optional<X509AttributeCertificateHolder> certificate, Optional<CertifiedAttributes> attributes,
                        List<Finding<CertProblem>> problems) {
    public CertCheck {
        problems = List.copyOf(problems);
    }

    public boolean ok() {
        return problems.isEmpty() && attributes.isPresent();
    }

    public boolean has(CertProblem p) {
        return problems.stream().anyMatch(f -> f.kind() == p);
    }
}
