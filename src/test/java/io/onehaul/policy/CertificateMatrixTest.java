package io.onehaul.policy;

import static io.onehaul.policy.TestPki.HOST;
import static io.onehaul.policy.TestPki.NOW;
import static io.onehaul.policy.TestPki.OWNER;
import static io.onehaul.policy.TestPki.SKEW;
import static io.onehaul.policy.TestPki.VM_ID;
import static io.onehaul.policy.TestPki.VM_UUID;
import static io.onehaul.policy.TestPki.blob;
import static io.onehaul.policy.TestPki.der;
import static io.onehaul.policy.TestPki.hostAttributes;
import static io.onehaul.policy.TestPki.vmAttributes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.policy.cert.CertifiedAttributes;
import io.onehaul.policy.cert.TrustMaterial;
import io.onehaul.policy.decision.PolicyDecider;
import io.onehaul.policy.decision.PolicyDecision;
import io.onehaul.policy.decision.PolicySettings;
import io.onehaul.policy.decision.ReasonCode;
import io.onehaul.policy.facts.CertificateBlob;
import io.onehaul.policy.facts.HostPolicyFacts;
import io.onehaul.policy.facts.VmPolicyFacts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.cert.X509AttributeCertificateHolder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The certificate matrix, for the VM's and the host's certificate alike: each defect of one
 * certificate (the other one valid) refuses the migration with exactly that defect's reason.
 */
class CertificateMatrixTest {
    enum Subject { VM, HOST }

    @TempDir Path tmp;
    private TestPki pki;
    private TrustMaterial trust;

    @BeforeEach
    void pca() {
        pki = TestPki.create(tmp.resolve("pca"));
    }

    /** The fixture regulation (ES,DE / ACME) for {@code s}, or the host h1 (ES / ACME). */
    private static CertifiedAttributes attributes(Subject s) {
        return s == Subject.VM ? vmAttributes(List.of("ES", "DE"), List.of("ACME")) : hostAttributes(HOST, "ES", List.of("ACME"));
    }

    private PolicyDecision decideWith(Subject s, CertificateBlob cert) {
        return decideWith(s, cert, TestPki.vm(null), TestPki.host(null));
    }

    /** {@code cert} goes to subject {@code s}; the other side gets a valid certificate. */
    private PolicyDecision decideWith(Subject s, CertificateBlob cert, VmPolicyFacts vm, HostPolicyFacts host) {
        CertificateBlob vmCert = s == Subject.VM ? cert : pki.validVmCert();
        CertificateBlob hostCert = s == Subject.HOST ? cert : pki.validHostCert();
        if (trust == null) {
            trust = pki.trust();
        }
        VmPolicyFacts v = new VmPolicyFacts(vm.vmId(), vm.uuid(), vm.owner(), true, vm.countries(), vm.organizations(), vmCert, List.of());
        HostPolicyFacts h = new HostPolicyFacts(host.name(), host.country(), host.organizations(), hostCert, List.of());
        return PolicyDecider.decide(v, h, trust, new PolicySettings(SKEW, false), NOW);
    }

    private static ReasonCode code(Subject s, String problem) {
        return ReasonCode.valueOf(s.name() + "_CERT_" + problem);
    }

    private static void assertDeniedFor(PolicyDecision d, ReasonCode... expected) {
        assertEquals(PolicyDecision.Outcome.DENY, d.outcome(), d.toText());
        assertEquals(List.of(expected), d.codes(), d.toText());
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    void validCertificatesAllowWithCompliant(Subject s) {
        PolicyDecision d = decideWith(s, blob(pki.issue(attributes(s))));
        assertEquals(PolicyDecision.Outcome.ALLOW, d.outcome(), d.toText());
        assertEquals(List.of(ReasonCode.COMPLIANT), d.codes());
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    void expiredCertificateIsRefused(Subject s) {
        X509AttributeCertificateHolder c = pki.issue(attributes(s), NOW.minus(Duration.ofDays(60)), NOW.minus(Duration.ofDays(1)));
        assertDeniedFor(decideWith(s, blob(c)), code(s, "EXPIRED"));
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    void expiryWithinTheClockSkewIsTolerated(Subject s) {
        X509AttributeCertificateHolder c = pki.issue(attributes(s), NOW.minus(Duration.ofDays(60)), NOW.minusSeconds(200));
        assertTrue(decideWith(s, blob(c)).allowed());
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    void expiryJustBeyondTheClockSkewIsRefused(Subject s) {
        X509AttributeCertificateHolder c = pki.issue(attributes(s), NOW.minus(Duration.ofDays(60)), NOW.minusSeconds(302));
        assertDeniedFor(decideWith(s, blob(c)), code(s, "EXPIRED"));
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    void notYetValidCertificateIsRefused(Subject s) {
        X509AttributeCertificateHolder c = pki.issue(attributes(s), NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(60)));
        assertDeniedFor(decideWith(s, blob(c)), code(s, "NOT_YET_VALID"));
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    void certificateFromAnotherCaWithTheSameNameIsABadSignature(Subject s) {
        TestPki impostor = TestPki.create(tmp.resolve("impostor"));
        assertDeniedFor(decideWith(s, blob(impostor.issue(attributes(s)))), code(s, "BAD_SIGNATURE"));
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    void certificateFromAnotherNamedCaIsABadSignature(Subject s) {
        TestPki other = TestPki.create(tmp.resolve("other"), "CN=Some Other CA");
        PolicyDecision d = decideWith(s, blob(other.issue(attributes(s))));
        assertDeniedFor(d, code(s, "BAD_SIGNATURE"));
        assertTrue(d.reasons().get(0).detail().contains("CN=Some Other CA"), d.toText());
    }

    /**
     * A certified country rewritten in the DER (kept in DER set order so it still parses; the template
     * changed to match): only the signature can tell.
     */
    @ParameterizedTest
    @EnumSource(Subject.class)
    void tamperedAttributesBreakTheSignature(Subject s) {
        byte[] der = der(pki.issue(attributes(s)));
        byte[] from = s == Subject.VM ? new byte[] {0x13, 2, 'D', 'E'} : new byte[] {0x13, 2, 'E', 'S'};
        byte[] to = s == Subject.VM ? new byte[] {0x13, 2, 'C', 'H'} : new byte[] {0x13, 2, 'D', 'E'};
        byte[] tampered = replaceOnce(der, from, to);
        VmPolicyFacts vm = s == Subject.VM
                ? VmPolicyFacts.regulated(VM_ID, VM_UUID, OWNER, List.of("ES", "CH"), List.of("ACME"), null) : TestPki.vm(null);
        HostPolicyFacts host = s == Subject.HOST ? HostPolicyFacts.of(HOST, "DE", List.of("ACME"), null) : TestPki.host(null);
        assertDeniedFor(decideWith(s, CertificateBlob.of(tampered), vm, host), code(s, "BAD_SIGNATURE"));
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    void alteredSignatureBytesAreABadSignature(Subject s) {
        byte[] der = der(pki.issue(attributes(s)));
        der[der.length - 1] ^= 0x01;
        assertDeniedFor(decideWith(s, CertificateBlob.of(der)), code(s, "BAD_SIGNATURE"));
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    void revokedCertificateIsRefused(Subject s) {
        X509AttributeCertificateHolder c = pki.issue(attributes(s));
        pki.revoke(c.getSerialNumber());
        assertDeniedFor(decideWith(s, blob(c)), code(s, "REVOKED"));
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    void revocationOnlyCountsOncePublished(Subject s) {
        X509AttributeCertificateHolder c = pki.issue(attributes(s));
        trust = pki.trust(); // published before the revocation
        pki.revoke(c.getSerialNumber());
        assertTrue(decideWith(s, blob(c)).allowed());
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    void certificateBoundToAnotherSubjectIsRefused(Subject s) {
        CertifiedAttributes other = s == Subject.VM
                ? new CertifiedAttributes.Vm(5, VM_UUID, OWNER, List.of("ES", "DE"), List.of("ACME"))
                : hostAttributes("h2", "ES", List.of("ACME"));
        assertDeniedFor(decideWith(s, blob(pki.issue(other))), s == Subject.VM ? ReasonCode.VM_CERT_WRONG_VM : ReasonCode.HOST_CERT_WRONG_HOST);
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    void certificateOfTheOtherKindIsRefused(Subject s) {
        CertifiedAttributes otherKind = s == Subject.VM ? attributes(Subject.HOST) : attributes(Subject.VM);
        assertDeniedFor(decideWith(s, blob(pki.issue(otherKind))), s == Subject.VM ? ReasonCode.VM_CERT_WRONG_VM : ReasonCode.HOST_CERT_WRONG_HOST);
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    void certificateStatingOtherAttributesThanTheTemplateIsAMismatch(Subject s) {
        CertifiedAttributes other = s == Subject.VM ? vmAttributes(List.of("ES"), List.of("ACME"))
                : hostAttributes(HOST, "ES", List.of("ACME", "GLOBEX"));
        assertDeniedFor(decideWith(s, blob(pki.issue(other))), code(s, "ATTRIBUTES_MISMATCH"));
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    void missingCertificateIsRefused(Subject s) {
        assertDeniedFor(decideWith(s, CertificateBlob.absent()), code(s, "MISSING"));
        assertDeniedFor(decideWith(s, CertificateBlob.fromBase64("  \n ")), code(s, "MISSING"));
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    void textThatIsNotBase64IsMalformed(Subject s) {
        assertDeniedFor(decideWith(s, CertificateBlob.fromBase64("this is not base64!")), code(s, "MALFORMED"));
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    void base64OfGarbageIsMalformed(Subject s) {
        String garbage = Base64.getEncoder().encodeToString("definitely not DER".getBytes());
        assertDeniedFor(decideWith(s, CertificateBlob.fromBase64(garbage)), code(s, "MALFORMED"));
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    void truncatedDerIsMalformed(Subject s) {
        byte[] der = der(pki.issue(attributes(s)));
        assertDeniedFor(decideWith(s, CertificateBlob.of(Arrays.copyOf(der, der.length - 10))), code(s, "MALFORMED"));
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    void derWithTrailingBytesIsMalformed(Subject s) {
        byte[] der = der(pki.issue(attributes(s)));
        byte[] longer = Arrays.copyOf(der, der.length + 2);
        assertDeniedFor(decideWith(s, CertificateBlob.of(longer)), code(s, "MALFORMED"));
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    void anX509PublicKeyCertificateIsNotAnAttributeCertificate(Subject s) throws Exception {
        assertDeniedFor(decideWith(s, CertificateBlob.of(pki.pca.certificate().getEncoded())), code(s, "MALFORMED"));
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    void base64WithLineBreaksAndSpacesIsAccepted(Subject s) {
        String b64 = TestPki.base64(pki.issue(attributes(s)));
        String wrapped = "  " + b64.substring(0, 40) + "\n\t" + b64.substring(40, 90) + " \r\n" + b64.substring(90) + "\n";
        assertTrue(decideWith(s, CertificateBlob.fromBase64(wrapped)).allowed());
    }

    @Test
    void anEncodingThatIsNotDistinguishedIsMalformed() {
        // FR after ES in a SET OF is valid BER but not DER, which certificates must be
        byte[] unsorted = replaceOnce(der(pki.issue(attributes(Subject.VM))), new byte[] {0x13, 2, 'D', 'E'},
                new byte[] {0x13, 2, 'F', 'R'});
        VmPolicyFacts vm = VmPolicyFacts.regulated(VM_ID, VM_UUID, OWNER, List.of("ES", "FR"), List.of("ACME"), null);
        assertDeniedFor(decideWith(Subject.VM, CertificateBlob.of(unsorted), vm, TestPki.host(null)), ReasonCode.VM_CERT_MALFORMED);
    }

    @Test
    void aRecreatedVmWithTheSameIdButANewUuidIsNotTheCertifiedVm() {
        CertifiedAttributes old = new CertifiedAttributes.Vm(VM_ID, "00000000-0000-4000-8000-000000000000", OWNER,
                List.of("ES", "DE"), List.of("ACME"));
        assertDeniedFor(decideWith(Subject.VM, blob(pki.issue(old))), ReasonCode.VM_CERT_WRONG_VM);
    }

    @Test
    void aVmOfAnotherOwnerIsNotTheCertifiedVm() {
        CertifiedAttributes otherOwner = new CertifiedAttributes.Vm(VM_ID, VM_UUID, "mallory", List.of("ES", "DE"), List.of("ACME"));
        assertDeniedFor(decideWith(Subject.VM, blob(pki.issue(otherOwner))), ReasonCode.VM_CERT_WRONG_VM);
    }

    @Test
    void everyDefectOfBothCertificatesIsReported() {
        X509AttributeCertificateHolder expiredVm = pki.issue(attributes(Subject.VM), NOW.minus(Duration.ofDays(60)), NOW.minus(Duration.ofDays(1)));
        X509AttributeCertificateHolder revokedHost = pki.issue(attributes(Subject.HOST));
        pki.revoke(revokedHost.getSerialNumber());
        PolicyDecision d = PolicyDecider.decide(TestPki.vm(blob(expiredVm)), TestPki.host(blob(revokedHost)), pki.trust(),
                new PolicySettings(SKEW, false), NOW);
        assertEquals(List.of(ReasonCode.VM_CERT_EXPIRED, ReasonCode.HOST_CERT_REVOKED), d.codes(), d.toText());
    }

    static byte[] replaceOnce(byte[] data, byte[] from, byte[] to) {
        int found = -1;
        for (int i = 0; i + from.length <= data.length; i++) {
            if (Arrays.equals(data, i, i + from.length, from, 0, from.length)) {
                if (found >= 0) {
                    throw new AssertionError("pattern occurs more than once");
                }
                found = i;
            }
        }
        if (found < 0) {
            throw new AssertionError("pattern not found");
        }
        byte[] out = data.clone();
        System.arraycopy(to, 0, out, found, to.length);
        return out;
    }
}
