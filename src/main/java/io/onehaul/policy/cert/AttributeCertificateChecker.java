package io.onehaul.policy.cert;

import io.onehaul.policy.facts.CertificateBlob;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509AttributeCertificateHolder;
import org.bouncycastle.operator.ContentVerifierProvider;

/**
 * Checks an attribute certificate against the PCA: readable, issued and signed by the trust anchor,
 * inside its validity period (widened by the clock skew, because front-end and PCA clocks differ), and
 * not on the revocation list. Whether it is bound to the right VM or host is the decision's job: the
 * checker does not know what is expected. Pure and never throws.
 */
public final class AttributeCertificateChecker {
    private AttributeCertificateChecker() {}

    public static CertCheck check(CertificateBlob blob, TrustMaterial trust, Instant now, Duration skew) {
        List<Finding<CertProblem>> problems = new ArrayList<>();
        if (blob.state() == CertificateBlob.State.ABSENT) {
            problems.add(new Finding<>(CertProblem.MISSING, "no certificate"));
            return new CertCheck(Optional.empty(), Optional.empty(), problems);
        }
        if (blob.state() == CertificateBlob.State.MALFORMED) {
            problems.add(new Finding<>(CertProblem.MALFORMED, blob.problem()));
            return new CertCheck(Optional.empty(), Optional.empty(), problems);
        }
        X509AttributeCertificateHolder cert;
        try {
            cert = AttributeCertificateCodec.parse(blob.der());
        } catch (CertificateFormatException e) {
            problems.add(new Finding<>(CertProblem.MALFORMED, e.getMessage()));
            return new CertCheck(Optional.empty(), Optional.empty(), problems);
        }
        Optional<CertifiedAttributes> attributes = Optional.empty();
        try {
            attributes = Optional.of(AttributeCertificateCodec.decode(cert));
        } catch (CertificateFormatException e) {
            problems.add(new Finding<>(CertProblem.MALFORMED, e.getMessage()));
        } catch (RuntimeException e) {
            // BouncyCastle's getInstance methods throw IllegalArgumentException on wrong ASN.1 types
            problems.add(new Finding<>(CertProblem.MALFORMED, "unexpected attribute encoding: "
                    + AttributeCertificateCodec.message(e)));
        }
        signature(cert, trust, problems);
        validity(cert, now, skew, problems);
        trust.revokedAt(cert.getSerialNumber()).ifPresent(at -> problems.add(new Finding<>(CertProblem.REVOKED,
                "serial " + cert.getSerialNumber() + " revoked at " + at)));
        return new CertCheck(Optional.of(cert), attributes, problems);
    }

    /** Without a usable anchor nothing can be verified; the trust problem itself is reported by the caller. */
    private static void signature(X509AttributeCertificateHolder cert, TrustMaterial trust,
                                  List<Finding<CertProblem>> problems) {
        Optional<ContentVerifierProvider> verifier = trust.verifier();
        if (verifier.isEmpty() || trust.anchor().isEmpty()) {
            return;
        }
        X500Name pca = trust.anchor().get().getSubject();
        X500Name[] issuer = cert.getIssuer().getNames();
        if (issuer.length != 1 || !issuer[0].equals(pca)) {
            problems.add(new Finding<>(CertProblem.BAD_SIGNATURE, "issued by " + join(issuer) + ", not by the PCA " + pca));
            return;
        }
        boolean valid;
        try {
            valid = cert.isSignatureValid(verifier.get());
        } catch (Exception e) {
            valid = false;
        }
        if (!valid) {
            problems.add(new Finding<>(CertProblem.BAD_SIGNATURE,
                    "signature does not verify with the PCA's key (altered, or signed by another CA named " + pca + ")"));
        }
    }

    private static void validity(X509AttributeCertificateHolder cert, Instant now, Duration skew,
                                 List<Finding<CertProblem>> problems) {
        Instant notBefore = cert.getNotBefore().toInstant();
        Instant notAfter = cert.getNotAfter().toInstant();
        if (notAfter.plus(skew).isBefore(now)) {
            problems.add(new Finding<>(CertProblem.EXPIRED, "expired at " + notAfter));
        }
        if (notBefore.minus(skew).isAfter(now)) {
            problems.add(new Finding<>(CertProblem.NOT_YET_VALID, "not valid before " + notBefore));
        }
    }

    private static String join(X500Name[] names) {
        List<String> s = new ArrayList<>();
        for (X500Name n : names) {
            s.add(n.toString());
        }
        return s.isEmpty() ? "(no issuer name)" : String.join(", ", s);
    }
}
