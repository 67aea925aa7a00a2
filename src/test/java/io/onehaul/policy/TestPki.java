package io.onehaul.policy;

import io.onehaul.policy.cert.CertifiedAttributes;
import io.onehaul.policy.cert.TrustMaterial;
import io.onehaul.policy.facts.CertificateBlob;
import io.onehaul.policy.facts.HostPolicyFacts;
import io.onehaul.policy.facts.VmPolicyFacts;
import io.onehaul.policy.pca.Pca;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.cert.X509AttributeCertificateHolder;
import org.bouncycastle.cert.X509CRLHolder;

/**
 * Test support: a real PCA in a temporary directory at a fixed clock, and the VM/host of the oned
 * fixtures (VM 4 fx-regvm of oneadmin, host h1 in ES for ACME) with certificates it issued.
 */
public final class TestPki {
    /** The decision time of every test; certificates are valid 30 days either side unless a test says otherwise. */
    public static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
    public static final Duration SKEW = Duration.ofSeconds(300);
    public static final int VM_ID = 4;
    public static final String VM_UUID = "74516ab4-04fa-4b9d-ab96-686a0a902f58";
    public static final String OWNER = "oneadmin";
    public static final String HOST = "h1";

    public final Pca pca;
    public final Path dir;

    private TestPki(Pca pca, Path dir) {
        this.pca = pca;
        this.dir = dir;
    }

    public static TestPki create(Path dir) {
        return create(dir, "CN=OneHaul Test PCA,O=OneHaul");
    }

    public static TestPki create(Path dir, String dn) {
        try {
            return new TestPki(Pca.init(dir, dn, Duration.ofDays(3650), NOW.minus(Duration.ofDays(365))), dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An existing PCA directory. */
    public static TestPki open(Path dir) {
        try {
            return new TestPki(Pca.open(dir), dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (io.onehaul.policy.cert.CertificateFormatException e) {
            throw new IllegalStateException(e);
        }
    }

    public static CertifiedAttributes.Vm vmAttributes(List<String> countries, List<String> organizations) {
        return new CertifiedAttributes.Vm(VM_ID, VM_UUID, OWNER, countries, organizations);
    }

    public static CertifiedAttributes.Host hostAttributes(String name, String country, List<String> organizations) {
        return new CertifiedAttributes.Host(name, country, organizations);
    }

    /** Valid from NOW-30d to NOW+30d. */
    public X509AttributeCertificateHolder issue(CertifiedAttributes a) {
        return issue(a, NOW.minus(Duration.ofDays(30)), NOW.plus(Duration.ofDays(30)));
    }

    public X509AttributeCertificateHolder issue(CertifiedAttributes a, Instant notBefore, Instant notAfter) {
        try {
            return pca.issue(a, notBefore, notAfter);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static CertificateBlob blob(X509AttributeCertificateHolder c) {
        return CertificateBlob.of(der(c));
    }

    public static byte[] der(X509AttributeCertificateHolder c) {
        try {
            return c.getEncoded();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String base64(X509AttributeCertificateHolder c) {
        return Base64.getEncoder().encodeToString(der(c));
    }

    public void revoke(BigInteger serial) {
        try {
            pca.revoke(serial, NOW.minus(Duration.ofDays(1)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A CRL published at {@code thisUpdate}, valid for {@code validity}, written to the PCA's pca.crl. */
    public X509CRLHolder publishCrl(Instant thisUpdate, Duration validity) {
        try {
            return pca.publishCrl(thisUpdate, validity, pca.defaultCrlFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Trust material with a fresh CRL (published a day before NOW, valid 7 days). */
    public TrustMaterial trust() {
        return TrustMaterial.of(pca.certificate(), publishCrl(NOW.minus(Duration.ofDays(1)), Duration.ofDays(7)));
    }

    /** The fixture VM (VM 4, ES,DE / ACME) carrying {@code cert}. */
    public static VmPolicyFacts vm(CertificateBlob cert) {
        return VmPolicyFacts.regulated(VM_ID, VM_UUID, OWNER, List.of("ES", "DE"), List.of("ACME"), cert);
    }

    /** Host h1 (ES / ACME) carrying {@code cert}. */
    public static HostPolicyFacts host(CertificateBlob cert) {
        return HostPolicyFacts.of(HOST, "ES", List.of("ACME"), cert);
    }

    public CertificateBlob validVmCert() {
        return blob(issue(vmAttributes(List.of("ES", "DE"), List.of("ACME"))));
    }

    public CertificateBlob validHostCert() {
        return blob(issue(hostAttributes(HOST, "ES", List.of("ACME"))));
    }
}
