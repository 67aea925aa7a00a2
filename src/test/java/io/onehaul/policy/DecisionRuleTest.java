package io.onehaul.policy;

import static io.onehaul.policy.TestPki.HOST;
import static io.onehaul.policy.TestPki.NOW;
import static io.onehaul.policy.TestPki.OWNER;
import static io.onehaul.policy.TestPki.SKEW;
import static io.onehaul.policy.TestPki.VM_ID;
import static io.onehaul.policy.TestPki.VM_UUID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.onehaul.policy.cert.CertifiedAttributes;
import io.onehaul.policy.cert.TrustMaterial;
import io.onehaul.policy.decision.PolicyDecider;
import io.onehaul.policy.decision.PolicyDecision;
import io.onehaul.policy.decision.PolicySettings;
import io.onehaul.policy.decision.ReasonCode;
import io.onehaul.policy.facts.CertificateBlob;
import io.onehaul.policy.facts.Codes;
import io.onehaul.policy.facts.HostPolicyFacts;
import io.onehaul.policy.facts.VmPolicyFacts;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The decision rule as a table. Each row gets certificates that certify exactly its template values
 * (when those are certifiable at all), so the row tests the rule, not the certificates:
 * allow iff host COUNTRY ∈ VM COUNTRIES and (VM ORGANIZATIONS has "*" or shares an organisation with the host).
 */
class DecisionRuleTest {
    @TempDir static Path tmp;
    private static TestPki pki;
    private static TrustMaterial trust;

    @BeforeAll
    static void pca() {
        pki = TestPki.create(tmp.resolve("pca"));
        trust = pki.trust();
    }

    private static List<String> list(String s) {
        return Codes.parseList(s);
    }

    /** A certificate for these attributes, or none when the PCA refuses to certify them (invalid codes). */
    private static CertificateBlob certFor(CertifiedAttributes a) {
        try {
            return TestPki.blob(pki.issue(a));
        } catch (IllegalArgumentException e) {
            return CertificateBlob.absent();
        }
    }

    private static PolicyDecision decide(String vmCountries, String vmOrgs, String hostCountry, String hostOrgs) {
        CertificateBlob vmCert = certFor(new CertifiedAttributes.Vm(VM_ID, VM_UUID, OWNER, list(vmCountries), list(vmOrgs)));
        CertificateBlob hostCert = certFor(new CertifiedAttributes.Host(HOST, hostCountry, list(hostOrgs)));
        return PolicyDecider.decide(
                VmPolicyFacts.regulated(VM_ID, VM_UUID, OWNER, list(vmCountries), list(vmOrgs), vmCert),
                HostPolicyFacts.of(HOST, hostCountry, list(hostOrgs), hostCert), trust, new PolicySettings(SKEW, false), NOW);
    }

    @ParameterizedTest(name = "VM [{0}] [{1}], host {2} [{3}] -> {4} {5}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            // VM countries | VM orgs       | host country | host orgs      | outcome | reason codes (space-separated)
            "ES,DE          | ACME          | ES           | ACME           | ALLOW   | COMPLIANT",
            "ES,DE          | ACME          | DE           | ACME           | ALLOW   | COMPLIANT",
            "ES,DE          | ACME          | US           | ACME           | DENY    | COUNTRY_NOT_ALLOWED",
            "ES,DE          | ACME          | ES           | GLOBEX         | DENY    | ORGANIZATION_NOT_ALLOWED",
            "ES,DE          | ACME          | US           | GLOBEX         | DENY    | COUNTRY_NOT_ALLOWED ORGANIZATION_NOT_ALLOWED",
            "ES,DE          | ACME          | ES           | GLOBEX,ACME    | ALLOW   | COMPLIANT",
            "ES,DE          | ACME,GLOBEX   | ES           | GLOBEX         | ALLOW   | COMPLIANT",
            "ES,DE          | *             | ES           | GLOBEX         | ALLOW   | COMPLIANT",
            "ES,DE          | *             | ES           | -              | ALLOW   | COMPLIANT",
            "ES,DE          | ACME,*        | ES           | INITECH        | ALLOW   | COMPLIANT",
            "ES,DE          | *             | FR           | ACME           | DENY    | COUNTRY_NOT_ALLOWED",
            "ES,DE          | ACME          | ES           | -              | DENY    | ORGANIZATION_NOT_ALLOWED",
            "ES,DE          | -             | ES           | ACME           | DENY    | ORGANIZATION_NOT_ALLOWED",
            "es, De         | acme          | eS           | Acme           | ALLOW   | COMPLIANT",
            "ES,XX          | ACME          | ES           | ACME           | DENY    | VM_REGULATION_INVALID VM_CERT_MISSING",
            "ESP            | ACME          | ES           | ACME           | DENY    | VM_REGULATION_INVALID VM_CERT_MISSING COUNTRY_NOT_ALLOWED",
            "UK             | ACME          | GB           | ACME           | DENY    | VM_REGULATION_INVALID VM_CERT_MISSING COUNTRY_NOT_ALLOWED",
            "ES,DE          | AC ME;        | ES           | ACME           | DENY    | VM_REGULATION_INVALID VM_CERT_MISSING ORGANIZATION_NOT_ALLOWED",
            "ES,DE          | ACME          | XX           | ACME           | DENY    | HOST_ATTRIBUTES_INVALID HOST_CERT_MISSING",
            "ES,DE          | ACME          | -            | ACME           | DENY    | HOST_COUNTRY_MISSING HOST_CERT_MISSING",
            "ES,DE          | ACME          | ES           | *              | DENY    | HOST_ATTRIBUTES_INVALID HOST_CERT_MISSING ORGANIZATION_NOT_ALLOWED",
    })
    void decisionTable(String vmCountries, String vmOrgs, String hostCountry, String hostOrgs, String outcome, String codes) {
        PolicyDecision d = decide(vmCountries, vmOrgs, hostCountry, hostOrgs);
        assertEquals(PolicyDecision.Outcome.valueOf(outcome), d.outcome(), d.toText());
        assertEquals(Set.copyOf(List.of(codes.split(" "))), new TreeSet<>(d.codes().stream().map(Enum::name).toList()), d.toText());
    }

    @Test
    void aVmWithoutCountriesAllowsNoCountry() {
        // the PCA will not certify an empty country list, so the certificate is missing as well
        PolicyDecision d = decide("", "ACME", "ES", "ACME");
        assertEquals(List.of(ReasonCode.VM_CERT_MISSING, ReasonCode.COUNTRY_NOT_ALLOWED), d.codes(), d.toText());
        assertTrue(d.reasons().get(1).detail().contains("allows no country"), d.toText());
    }

    @Test
    void withoutRegulationAVmIsAllowedWhenRegulationIsOptional() {
        PolicyDecision d = PolicyDecider.decide(VmPolicyFacts.unregulated(7, "u", "o"),
                HostPolicyFacts.of("h9", "", List.of(), null), TrustMaterial.of(null, null), new PolicySettings(SKEW, false), NOW);
        assertEquals(PolicyDecision.Outcome.ALLOW, d.outcome());
        assertEquals(List.of(ReasonCode.NO_REGULATION_ALLOWED), d.codes());
    }

    @Test
    void anUnregulatedVmNeedsNoHostFactsAndNoTrustMaterialToBeAllowed() {
        // the driver's guard does not ask oned for the host of an unregulated VM (found under a real oned:
        // every such deploy was audited as DENY INTERNAL_ERROR "host facts" while it went through)
        PolicyDecision d = PolicyDecider.decide(VmPolicyFacts.unregulated(7, "u", "o"), null, null,
                new PolicySettings(SKEW, false), NOW);
        assertEquals(PolicyDecision.Outcome.ALLOW, d.outcome(), d.toText());
        assertEquals(List.of(ReasonCode.NO_REGULATION_ALLOWED), d.codes());

        PolicyDecision named = PolicyDecider.decideUnregulated(VmPolicyFacts.unregulated(7, "u", "o"), "h2",
                new PolicySettings(SKEW, false), NOW);
        assertEquals(List.of(ReasonCode.NO_REGULATION_ALLOWED), named.codes());
        assertEquals("h2", named.host());
    }

    @Test
    void anUnregulatedVmWithoutHostFactsIsStillRefusedWhenRegulationIsMandatory() {
        PolicyDecision d = PolicyDecider.decideUnregulated(VmPolicyFacts.unregulated(7, "u", "o"), "h2",
                new PolicySettings(SKEW, true), NOW);
        assertEquals(List.of(ReasonCode.NO_REGULATION_MANDATORY), d.codes());
    }

    @Test
    void aRegulatedVmWithoutHostFactsOrTrustMaterialIsAnInternalErrorAndRefused() {
        PolicyDecision noHost = PolicyDecider.decide(TestPki.vm(pki.validVmCert()), null, trust,
                new PolicySettings(SKEW, false), NOW);
        assertEquals(List.of(ReasonCode.INTERNAL_ERROR), noHost.codes());
        PolicyDecision viaUnregulatedForm = PolicyDecider.decideUnregulated(TestPki.vm(pki.validVmCert()), "h1",
                new PolicySettings(SKEW, false), NOW);
        assertEquals(List.of(ReasonCode.INTERNAL_ERROR), viaUnregulatedForm.codes(), viaUnregulatedForm.toText());
    }

    @Test
    void withoutRegulationAVmIsRefusedWhenRegulationIsMandatory() {
        PolicyDecision d = PolicyDecider.decide(VmPolicyFacts.unregulated(7, "u", "o"),
                TestPki.host(pki.validHostCert()), trust, new PolicySettings(SKEW, true), NOW);
        assertEquals(PolicyDecision.Outcome.DENY, d.outcome());
        assertEquals(List.of(ReasonCode.NO_REGULATION_MANDATORY), d.codes());
    }

    @Test
    void mandatoryRegulationDoesNotChangeTheRuleForRegulatedVms() {
        PolicyDecision d = PolicyDecider.decide(TestPki.vm(pki.validVmCert()), TestPki.host(pki.validHostCert()), trust,
                new PolicySettings(SKEW, true), NOW);
        assertTrue(d.allowed(), d.toText());
    }

    @Test
    void aVmWithoutUuidCannotBeBound() {
        PolicyDecision d = PolicyDecider.decide(VmPolicyFacts.regulated(VM_ID, "", OWNER, List.of("ES"), List.of("*"), null),
                TestPki.host(pki.validHostCert()), trust, new PolicySettings(SKEW, false), NOW);
        assertEquals(List.of(ReasonCode.VM_IDENTITY_MISSING, ReasonCode.VM_CERT_MISSING), d.codes(), d.toText());
    }

    @Test
    void problemsFoundWhileReadingTheTemplatesDeny() {
        VmPolicyFacts vm = new VmPolicyFacts(VM_ID, VM_UUID, OWNER, true, List.of("ES", "DE"), List.of("ACME"),
                pki.validVmCert(), List.of("USER_TEMPLATE has 2 REGULATION attributes"));
        HostPolicyFacts host = new HostPolicyFacts(HOST, "ES", List.of("ACME"), pki.validHostCert(),
                List.of("host TEMPLATE has COUNTRY more than once"));
        PolicyDecision d = PolicyDecider.decide(vm, host, trust, new PolicySettings(SKEW, false), NOW);
        assertEquals(List.of(ReasonCode.VM_REGULATION_INVALID, ReasonCode.HOST_ATTRIBUTES_INVALID), d.codes(), d.toText());
    }

    @Test
    void decideNeverThrowsAndFailsClosed() {
        PolicyDecision d = PolicyDecider.decide(null, null, null, null, null);
        assertEquals(PolicyDecision.Outcome.DENY, d.outcome());
        assertEquals(List.of(ReasonCode.INTERNAL_ERROR), d.codes());
    }

    @Test
    void theJsonRenderingCarriesTheOutcomeAndEveryReason() throws Exception {
        PolicyDecision d = decide("ES,DE", "ACME", "US", "GLOBEX");
        JsonNode j = new ObjectMapper().readTree(d.toJson());
        assertEquals("DENY", j.get("decision").asText());
        assertEquals(VM_ID, j.get("vm_id").asInt());
        assertEquals(HOST, j.get("host").asText());
        assertEquals(NOW.toString(), j.get("time").asText());
        assertEquals(2, j.get("reasons").size());
        assertEquals("COUNTRY_NOT_ALLOWED", j.get("reasons").get(0).get("code").asText());
        assertTrue(j.get("reasons").get(0).get("detail").asText().contains("US"));
        assertFalse(d.toJson().contains("\n"), "one line");
    }

    @Test
    void onlyCompliantAndNoRegulationAllowedAccompanyAnAllow() {
        for (ReasonCode c : ReasonCode.values()) {
            assertEquals(c == ReasonCode.COMPLIANT || c == ReasonCode.NO_REGULATION_ALLOWED, c.allows(), c.name());
        }
    }
}
