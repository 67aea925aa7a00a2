package io.onehaul.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.opennebula.HostXml;
import io.onehaul.opennebula.VmXml;
import io.onehaul.policy.decision.PolicyDecider;
import io.onehaul.policy.decision.PolicyDecision;
import io.onehaul.policy.decision.PolicySettings;
import io.onehaul.policy.decision.ReasonCode;
import io.onehaul.policy.facts.CertificateBlob;
import io.onehaul.policy.facts.HostPolicyFacts;
import io.onehaul.policy.facts.PolicyFactsReader;
import io.onehaul.policy.facts.VmPolicyFacts;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Facts come out of oned's real documents: where REGULATION, COUNTRY and the certificates live. */
class PolicyFactsReaderTest {
    @TempDir Path tmp;

    @Test
    void theRecordedVmCarriesItsRegulationAndIdentity() {
        VmPolicyFacts f = PolicyFactsReader.vm(VmXml.parse(OnedDocuments.vm()));
        assertEquals(4, f.vmId());
        assertEquals(TestPki.VM_UUID, f.uuid());
        assertEquals("oneadmin", f.owner());
        assertTrue(f.regulated());
        assertEquals(List.of("DE", "ES"), f.countries());
        assertEquals(List.of("ACME"), f.organizations());
        assertEquals(CertificateBlob.State.ABSENT, f.certificate().state());
        assertEquals(List.of(), f.problems());
    }

    @Test
    void aMergeUpdateThatDroppedOrganizationsLeavesThemEmpty() {
        VmPolicyFacts f = PolicyFactsReader.vm(VmXml.parse(OnedDocuments.document("one.vm.info.after-update-merge")));
        assertEquals(List.of("PT"), f.countries());
        assertEquals(List.of(), f.organizations());
    }

    @Test
    void aVmWithoutRegulationIsUnregulated() {
        VmPolicyFacts f = PolicyFactsReader.vm(VmXml.parse(OnedDocuments.withoutRegulation(OnedDocuments.vm())));
        assertFalse(f.regulated());
    }

    @Test
    void theCertificateIsReadWithWhitespaceAndLineBreaks() {
        String b64 = "MIIB\n  AAAA\r\n\tBBBB CC==";
        VmPolicyFacts f = PolicyFactsReader.vm(VmXml.parse(OnedDocuments.withVmCertificate(OnedDocuments.vm(), b64)));
        assertEquals(CertificateBlob.State.PRESENT, f.certificate().state(), f.certificate().toString());
    }

    @Test
    void garbageInTheCertificateIsMalformedNotAnException() {
        VmPolicyFacts f = PolicyFactsReader.vm(VmXml.parse(OnedDocuments.withVmCertificate(OnedDocuments.vm(), "%%% no base64 %%%")));
        assertEquals(CertificateBlob.State.MALFORMED, f.certificate().state());
    }

    @Test
    void twoRegulationAttributesAreAProblem() {
        String vm = OnedDocuments.vm();
        String twice = OnedDocuments.replaceOnce(vm, "</USER_TEMPLATE>",
                "<REGULATION><COUNTRIES><![CDATA[US]]></COUNTRIES></REGULATION></USER_TEMPLATE>");
        VmPolicyFacts f = PolicyFactsReader.vm(VmXml.parse(twice));
        assertEquals(1, f.problems().size(), f.problems().toString());
    }

    @Test
    void aSingleValuedRegulationIsAProblem() {
        String vm = OnedDocuments.withoutRegulation(OnedDocuments.vm());
        String single = OnedDocuments.replaceOnce(vm, "<USER_TEMPLATE>", "<USER_TEMPLATE><REGULATION><![CDATA[ES]]></REGULATION>");
        VmPolicyFacts f = PolicyFactsReader.vm(VmXml.parse(single));
        assertTrue(f.regulated());
        assertEquals(1, f.problems().size(), f.problems().toString());
    }

    @Test
    void theRecordedHostCarriesCountryAndOrganizations() {
        HostPolicyFacts f = PolicyFactsReader.host(HostXml.parse(OnedDocuments.host()));
        assertEquals("h1", f.name());
        assertEquals("ES", f.country());
        assertEquals(List.of("ACME"), f.organizations());
        assertEquals(CertificateBlob.State.ABSENT, f.certificate().state());
    }

    @Test
    void aHostWithSeveralCountriesIsAProblem() {
        String h = OnedDocuments.replaceOnce(OnedDocuments.host(), "<COUNTRY><![CDATA[ES]]></COUNTRY>",
                "<COUNTRY><![CDATA[ES,DE]]></COUNTRY>");
        assertEquals(1, PolicyFactsReader.host(HostXml.parse(h)).problems().size());
    }

    @Test
    void recordedDocumentsWithIssuedCertificatesAreCompliant() {
        TestPki pki = TestPki.create(tmp.resolve("pca"));
        String vm = OnedDocuments.withVmCertificate(OnedDocuments.vm(), TestPki.base64(pki.issue(
                TestPki.vmAttributes(List.of("ES", "DE"), List.of("ACME")))));
        String host = OnedDocuments.withHostCertificate(OnedDocuments.host(), TestPki.base64(pki.issue(
                TestPki.hostAttributes("h1", "ES", List.of("ACME")))));
        PolicyDecision d = PolicyDecider.decide(PolicyFactsReader.vm(VmXml.parse(vm)), PolicyFactsReader.host(HostXml.parse(host)),
                pki.trust(), PolicySettings.DEFAULTS, TestPki.NOW);
        assertEquals(List.of(ReasonCode.COMPLIANT), d.codes(), d.toText());
    }
}
