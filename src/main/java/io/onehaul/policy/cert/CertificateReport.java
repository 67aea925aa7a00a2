package io.onehaul.policy.cert;

import io.onehaul.policy.facts.CertificateBlob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.cert.X509AttributeCertificateHolder;

/**
 * A human explanation of one attribute certificate against the trust material: what it states, and
 * each check with its outcome. For {@code onehaul pca verify}; the decision does not use it.
 */
public final class CertificateReport {
    private CertificateReport() {}

    public record Report(boolean valid, String text) {}

    public static Report explain(CertificateBlob blob, TrustMaterial trust, Instant now, Duration skew) {
        CertCheck check = AttributeCertificateChecker.check(blob, trust, now, skew);
        List<Finding<TrustProblem>> trustProblems = trust.problems(now, skew);
        StringBuilder b = new StringBuilder();
        check.certificate().ifPresent(c -> describe(c, b));
        check.attributes().ifPresent(a -> b.append("attributes:  ").append(attributes(a)).append('\n'));
        b.append("checks at ").append(now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
                .append(" (clock skew ").append(skew.toSeconds()).append(" s):\n");
        b.append("  trust material: ").append(trustProblems.isEmpty() ? "OK (PCA certificate and CRL)" : "FAILED").append('\n');
        for (Finding<TrustProblem> f : trustProblems) {
            b.append("    ").append(f.kind()).append(": ").append(f.detail()).append('\n');
        }
        b.append("  certificate: ").append(check.problems().isEmpty()
                ? "OK (signed by the PCA, in date, not revoked)" : "FAILED").append('\n');
        for (Finding<CertProblem> f : check.problems()) {
            b.append("    ").append(f.kind()).append(": ").append(f.detail()).append('\n');
        }
        boolean valid = check.ok() && trustProblems.isEmpty();
        b.append("result: ").append(valid ? "VALID" : "INVALID").append('\n');
        return new Report(valid, b.toString());
    }

    private static void describe(X509AttributeCertificateHolder c, StringBuilder b) {
        b.append("serial:      ").append(c.getSerialNumber()).append('\n');
        b.append("holder:      ").append(names(c.getHolder().getEntityNames())).append('\n');
        b.append("issuer:      ").append(names(c.getIssuer().getNames())).append('\n');
        b.append("valid:       ").append(c.getNotBefore().toInstant()).append(" .. ").append(c.getNotAfter().toInstant()).append('\n');
    }

    private static String names(org.bouncycastle.asn1.x500.X500Name[] names) {
        if (names == null || names.length == 0) {
            return "(none)";
        }
        StringBuilder b = new StringBuilder();
        for (org.bouncycastle.asn1.x500.X500Name n : names) {
            b.append(b.length() == 0 ? "" : "; ").append(n);
        }
        return b.toString();
    }

    static String attributes(CertifiedAttributes a) {
        if (a instanceof CertifiedAttributes.Vm v) {
            return "VM id=" + v.vmId() + " uuid=" + v.uuid() + " owner=" + v.owner() + " countries="
                    + String.join(",", v.countries()) + " organizations=" + String.join(",", v.organizations());
        }
        CertifiedAttributes.Host h = (CertifiedAttributes.Host) a;
        return "host name=" + h.hostName() + " country=" + h.country() + " organizations=" + String.join(",", h.organizations());
    }
}
