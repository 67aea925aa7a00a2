package io.onehaul.policy;

import static io.onehaul.policy.TestPki.NOW;
import static io.onehaul.policy.TestPki.SKEW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.policy.cert.TrustMaterial;
import io.onehaul.policy.decision.PolicyDecider;
import io.onehaul.policy.decision.PolicyDecision;
import io.onehaul.policy.decision.PolicySettings;
import io.onehaul.policy.decision.ReasonCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.cert.X509CRLHolder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The front-end's trust material: a regulated VM is refused whenever the PCA certificate or its
 * revocation list is missing, unreadable, forged or out of date — even with perfect VM and host
 * certificates — because revocation could not be ruled out.
 */
class TrustMaterialTest {
    @TempDir Path tmp;
    private TestPki pki;

    @BeforeEach
    void pca() {
        pki = TestPki.create(tmp.resolve("pca"));
    }

    private PolicyDecision decide(TrustMaterial trust) {
        return PolicyDecider.decide(TestPki.vm(pki.validVmCert()), TestPki.host(pki.validHostCert()), trust,
                new PolicySettings(SKEW, false), NOW);
    }

    private static void assertDeniedFor(PolicyDecision d, ReasonCode... expected) {
        assertEquals(PolicyDecision.Outcome.DENY, d.outcome(), d.toText());
        assertEquals(List.of(expected), d.codes(), d.toText());
    }

    @Test
    void freshCrlSignedByThePcaAllows() {
        assertTrue(decide(pki.trust()).allowed());
    }

    @Test
    void missingCrlIsRefused() {
        assertDeniedFor(decide(TrustMaterial.of(pki.pca.certificate(), null)), ReasonCode.CRL_MISSING);
    }

    @Test
    void missingCrlFileIsRefused() {
        TrustMaterial t = TrustMaterial.load(pki.pca.certificateFile(), tmp.resolve("nowhere.crl"));
        assertDeniedFor(decide(t), ReasonCode.CRL_MISSING);
    }

    @Test
    void staleCrlIsRefused() {
        X509CRLHolder old = pki.publishCrl(NOW.minus(Duration.ofDays(10)), Duration.ofDays(7));
        assertDeniedFor(decide(TrustMaterial.of(pki.pca.certificate(), old)), ReasonCode.CRL_STALE);
    }

    @Test
    void crlPastNextUpdateWithinTheSkewIsTolerated() {
        X509CRLHolder justOver = pki.publishCrl(NOW.minus(Duration.ofDays(7)).minusSeconds(120), Duration.ofDays(7));
        assertTrue(decide(TrustMaterial.of(pki.pca.certificate(), justOver)).allowed());
    }

    @Test
    void crlDatedInTheFutureIsRefused() {
        X509CRLHolder future = pki.publishCrl(NOW.plus(Duration.ofDays(1)), Duration.ofDays(7));
        assertDeniedFor(decide(TrustMaterial.of(pki.pca.certificate(), future)), ReasonCode.CRL_NOT_YET_VALID);
    }

    @Test
    void crlForgedByAnotherCaWithTheSameNameIsRefused() {
        TestPki forger = TestPki.create(tmp.resolve("forger"));
        X509CRLHolder forged = forger.publishCrl(NOW.minus(Duration.ofDays(1)), Duration.ofDays(7));
        assertDeniedFor(decide(TrustMaterial.of(pki.pca.certificate(), forged)), ReasonCode.CRL_BAD_SIGNATURE);
    }

    @Test
    void crlOfAnotherNamedCaIsRefused() {
        TestPki other = TestPki.create(tmp.resolve("other"), "CN=Other CA");
        X509CRLHolder foreign = other.publishCrl(NOW.minus(Duration.ofDays(1)), Duration.ofDays(7));
        assertDeniedFor(decide(TrustMaterial.of(pki.pca.certificate(), foreign)), ReasonCode.CRL_BAD_SIGNATURE);
    }

    @Test
    void crlFileWithGarbageIsMalformed() throws Exception {
        Path crl = Files.writeString(tmp.resolve("garbage.crl"), "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n");
        assertDeniedFor(decide(TrustMaterial.load(pki.pca.certificateFile(), crl)), ReasonCode.CRL_MALFORMED);
    }

    @Test
    void crlAndAnchorAreReadAsPemOrDer() throws Exception {
        X509CRLHolder crl = pki.publishCrl(NOW.minus(Duration.ofDays(1)), Duration.ofDays(7));
        Path pemCrl = pki.pca.defaultCrlFile();
        Path derCrl = Files.write(tmp.resolve("pca.crl.der"), crl.getEncoded());
        Path derAnchor = Files.write(tmp.resolve("pca.crt.der"), pki.pca.certificate().getEncoded());
        assertTrue(Files.readString(pemCrl).startsWith("-----BEGIN X509 CRL-----"));
        assertTrue(decide(TrustMaterial.load(pki.pca.certificateFile(), pemCrl)).allowed());
        assertTrue(decide(TrustMaterial.load(derAnchor, derCrl)).allowed());
    }

    @Test
    void missingTrustAnchorIsRefused() {
        TrustMaterial t = TrustMaterial.load(tmp.resolve("no-such.crt"), pki.pca.defaultCrlFile());
        PolicyDecision d = decide(t);
        assertEquals(PolicyDecision.Outcome.DENY, d.outcome());
        assertTrue(d.has(ReasonCode.TRUST_ANCHOR_MISSING), d.toText());
    }

    @Test
    void unreadableTrustAnchorIsInvalid() throws Exception {
        Path bad = Files.writeString(tmp.resolve("bad.crt"), "not a certificate");
        PolicyDecision d = decide(TrustMaterial.load(bad, pki.pca.defaultCrlFile()));
        assertTrue(d.has(ReasonCode.TRUST_ANCHOR_INVALID), d.toText());
        assertEquals(PolicyDecision.Outcome.DENY, d.outcome());
    }

    @Test
    void expiredTrustAnchorIsInvalid() throws Exception {
        TestPki old = new TestPkiAt(tmp.resolve("old")).pki;
        TrustMaterial t = TrustMaterial.of(old.pca.certificate(), old.publishCrl(NOW.minus(Duration.ofDays(1)), Duration.ofDays(7)));
        PolicyDecision d = PolicyDecider.decide(TestPki.vm(old.validVmCert()), TestPki.host(old.validHostCert()), t,
                new PolicySettings(SKEW, false), NOW);
        assertDeniedFor(d, ReasonCode.TRUST_ANCHOR_INVALID);
    }

    @Test
    void aCertificateWithoutCaFlagIsNoTrustAnchor() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        java.security.KeyPair kp = g.generateKeyPair();
        org.bouncycastle.asn1.x500.X500Name name = new org.bouncycastle.asn1.x500.X500Name("CN=Not a CA");
        org.bouncycastle.cert.X509CertificateHolder leaf = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(
                name, java.math.BigInteger.TEN, java.util.Date.from(NOW.minus(Duration.ofDays(1))),
                java.util.Date.from(NOW.plus(Duration.ofDays(1))), name, kp.getPublic())
                .build(io.onehaul.policy.cert.JcaSignatures.signer(kp.getPrivate()));
        PolicyDecision d = decide(TrustMaterial.of(leaf, null));
        assertTrue(d.has(ReasonCode.TRUST_ANCHOR_INVALID), d.toText());
        assertTrue(d.toText().contains("not a CA certificate"), d.toText());
    }

    /** A PCA whose own certificate expired a day before NOW. */
    private static final class TestPkiAt {
        final TestPki pki;

        TestPkiAt(Path dir) throws Exception {
            io.onehaul.policy.pca.Pca.init(dir, "CN=Expired PCA", Duration.ofDays(30), NOW.minus(Duration.ofDays(31)));
            this.pki = TestPki.open(dir);
        }
    }
}
