package io.onehaul.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.policy.cert.AttributeCertificateChecker;
import io.onehaul.policy.cert.CertCheck;
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
import io.onehaul.policy.pca.Pca;
import io.onehaul.testsupport.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/policy stays true: the host templates' certificates verify against the example PCA and
 * state exactly the templates' values, and with the example VM regulation h1 is allowed and h2 refused.
 */
class ExamplesTest {
    private static final Path DIR = Repo.root().resolve("examples/policy");

    @TempDir Path tmp;

    private static String value(String template, String key) {
        Matcher m = Pattern.compile("(?m)^\\s*" + key + "\\s*=\\s*\"([^\"]*)\"").matcher(template);
        assertTrue(m.find(), key + " in template");
        return m.group(1);
    }

    private static HostPolicyFacts host(String file, String name) throws Exception {
        String t = Files.readString(DIR.resolve(file));
        return HostPolicyFacts.of(name, value(t, "COUNTRY"), Codes.parseList(value(t, "ORGANIZATIONS")),
                CertificateBlob.fromBase64(value(t, "PRIVACY_CERTIFICATE")));
    }

    @Test
    void hostCertificatesAreSignedByTheExamplePcaAndMatchTheirTemplates() throws Exception {
        Pca pca = Pca.open(DIR.resolve("pca"));
        for (HostPolicyFacts h : List.of(host("host-h1-es-acme.tmpl", "h1"), host("host-h2-us-globex.tmpl", "h2"))) {
            CertCheck c = AttributeCertificateChecker.check(h.certificate(), TrustMaterial.of(pca.certificate(), null),
                    Instant.now(), Duration.ZERO);
            assertEquals(List.of(), c.problems(), h.name());
            assertEquals(new CertifiedAttributes.Host(h.name(), h.country(), h.organizations()), c.attributes().orElseThrow());
        }
    }

    @Test
    void theExampleVmIsAllowedOnH1AndRefusedOnH2() throws Exception {
        Path pcaCopy = tmp.resolve("pca");
        Files.createDirectories(pcaCopy);
        try (Stream<Path> files = Files.list(DIR.resolve("pca"))) {
            for (Path f : files.toList()) {
                Files.copy(f, pcaCopy.resolve(f.getFileName()));
            }
        }
        Pca pca = Pca.open(pcaCopy); // a copy: issuing and publishing must not change the examples
        Instant now = Instant.now();
        String vmTemplate = Files.readString(DIR.resolve("vm-regulated.tmpl"));
        List<String> countries = Codes.parseList(value(vmTemplate, "COUNTRIES"));
        List<String> organizations = Codes.parseList(value(vmTemplate, "ORGANIZATIONS"));
        CertifiedAttributes.Vm a = new CertifiedAttributes.Vm(42, "0b9a5f7e-2f7c-4c64-9d0a-3a1f3b7c2e11", "alice",
                countries, organizations);
        CertificateBlob vmCert = TestPki.blob(pca.issue(a, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1))));
        VmPolicyFacts vm = VmPolicyFacts.regulated(42, a.uuid(), a.owner(), countries, organizations, vmCert);
        TrustMaterial trust = TrustMaterial.of(pca.certificate(), pca.publishCrl(now, Duration.ofDays(1), tmp.resolve("pca.crl")));

        PolicyDecision h1 = PolicyDecider.decide(vm, host("host-h1-es-acme.tmpl", "h1"), trust, PolicySettings.DEFAULTS, now);
        assertEquals(List.of(ReasonCode.COMPLIANT), h1.codes(), h1.toText());
        PolicyDecision h2 = PolicyDecider.decide(vm, host("host-h2-us-globex.tmpl", "h2"), trust, PolicySettings.DEFAULTS, now);
        assertEquals(List.of(ReasonCode.COUNTRY_NOT_ALLOWED, ReasonCode.ORGANIZATION_NOT_ALLOWED), h2.codes(), h2.toText());
    }
}
