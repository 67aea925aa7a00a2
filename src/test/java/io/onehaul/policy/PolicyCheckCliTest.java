package io.onehaul.policy;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingXPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.common.ConsoleNotifier;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code onehaul policy check VM HOST} against a WireMock oned that serves the recorded VM 4 and host h1
 * documents with certificates put where an operator puts them (REGULATION/CERTIFICATE,
 * PRIVACY_CERTIFICATE), plus a non-compliant host h2 in the US.
 */
class PolicyCheckCliTest {
    @RegisterExtension
    static WireMockExtension oned = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().notifier(new ConsoleNotifier(false))).build();

    @TempDir Path tmp;
    private TestPki pki;
    private Map<String, String> env;
    private Path auditLog;
    private Path conf;

    @BeforeEach
    void setUp() throws IOException {
        pki = TestPki.create(tmp.resolve("pca"));
        Instant now = Instant.now();
        // the CLI decides at the real time, so this test's certificates and CRL are valid around it
        pki.publishCrl(now.minus(Duration.ofHours(1)), Duration.ofDays(1));
        auditLog = tmp.resolve("log/audit.jsonl");
        conf = tmp.resolve("onehaul.conf");
        writeConf(false);
        Path auth = Files.writeString(tmp.resolve("one_auth"), "oneadmin:onepass\n");
        env = Map.of("HOME", tmp.toString(), "ONEHAUL_CONF", conf.toString(),
                "ONE_XMLRPC", oned.baseUrl() + "/RPC2", "ONE_AUTH", auth.toString());

        String vm = OnedDocuments.withVmCertificate(OnedDocuments.vm(), TestPki.base64(pki.issue(
                TestPki.vmAttributes(List.of("ES", "DE"), List.of("ACME")), now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(1)))));
        String h1 = OnedDocuments.withHostCertificate(OnedDocuments.host(), TestPki.base64(pki.issue(
                TestPki.hostAttributes("h1", "ES", List.of("ACME")), now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(1)))));
        String h2 = OnedDocuments.withHostCertificate(OnedDocuments.relocatedHost(OnedDocuments.host(), 8, "h2", "US"),
                TestPki.base64(pki.issue(TestPki.hostAttributes("h2", "US", List.of("ACME")),
                        now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(1)))));
        serve("one.vm.info", 4, OnedDocuments.reply(vm));
        serve("one.vm.info", 5, OnedDocuments.reply(OnedDocuments.withoutRegulation(vm).replace("<ID>4</ID>", "<ID>5</ID>")));
        serve("one.vm.info", 999, recorded("one.vm.info.fail-no-vm"));
        serve("one.host.info", 7, OnedDocuments.reply(h1));
        serve("one.host.info", 8, OnedDocuments.reply(h2));
        oned.stubFor(post(urlEqualTo("/RPC2"))
                .withRequestBody(matchingXPath("/methodCall/methodName[text()='one.hostpool.info']"))
                .willReturn(ok(OnedDocuments.reply(OnedDocuments.hostPool(h2, h1)))));
    }

    private void writeConf(boolean mandatory) throws IOException {
        Files.writeString(conf, "policy.trust_anchor = " + pki.pca.certificateFile() + "\n"
                + "policy.crl = " + pki.pca.defaultCrlFile() + "\n"
                + "policy.mandatory = " + mandatory + "\n"
                + "audit.log = " + auditLog + "\n");
    }

    private static void serve(String method, int id, byte[] body) {
        oned.stubFor(post(urlEqualTo("/RPC2"))
                .withRequestBody(matchingXPath("/methodCall/methodName[text()='" + method + "']"))
                .withRequestBody(matchingXPath("/methodCall/params/param[2]/value/i4[text()='" + id + "']"))
                .willReturn(ok(body)));
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder ok(byte[] body) {
        return aResponse().withStatus(200).withHeader("Content-type", "text/xml; charset=utf-8").withBody(body);
    }

    private static byte[] recorded(String name) throws IOException {
        try (InputStream in = PolicyCheckCliTest.class.getResourceAsStream(OnedDocuments.DIR + name + ".response.xml")) {
            return in.readAllBytes();
        }
    }

    private CliRun check(String... args) {
        String[] full = new String[args.length + 2];
        full[0] = "policy";
        full[1] = "check";
        System.arraycopy(args, 0, full, 2, args.length);
        return CliRun.run(env, full);
    }

    @Test
    void aCompliantHostIsAllowedWithExitZero() {
        CliRun r = check("4", "7");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().startsWith("ALLOW: VM 4 on host h1\n  COMPLIANT: country ES in [DE, ES]"), r.out());
    }

    @Test
    void aHostInAnotherCountryIsDeniedWithExitOne() throws Exception {
        CliRun r = check("--json", "4", "8");
        assertEquals(1, r.exit(), r.toString());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("DENY", j.get("decision").asText());
        assertEquals("h2", j.get("host").asText());
        assertEquals(1, j.get("reasons").size(), r.out());
        assertEquals("COUNTRY_NOT_ALLOWED", j.get("reasons").get(0).get("code").asText());
    }

    @Test
    void theHostCanBeNamed() {
        assertEquals(0, check("4", "h1").exit());
        assertEquals(1, check("4", "h2").exit());
    }

    @Test
    void aVmWithoutRegulationFollowsPolicyMandatory() throws IOException {
        CliRun optional = check("5", "8");
        assertEquals(0, optional.exit(), optional.toString());
        assertTrue(optional.out().contains("NO_REGULATION_ALLOWED"), optional.out());
        writeConf(true);
        CliRun mandatory = check("5", "8");
        assertEquals(1, mandatory.exit(), mandatory.toString());
        assertTrue(mandatory.out().contains("NO_REGULATION_MANDATORY"), mandatory.out());
    }

    @Test
    void aMissingCrlOnTheFrontEndDenies() throws IOException {
        Files.delete(pki.pca.defaultCrlFile());
        CliRun r = check("4", "7");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.out().contains("CRL_MISSING"), r.out());
    }

    @Test
    void unknownVmsAndHostsAndBadArgumentsAreBadInput() {
        CliRun noVm = check("999", "7");
        assertEquals(2, noVm.exit(), noVm.toString());
        assertTrue(noVm.err().contains("one.vm.info"), noVm.toString());
        assertEquals(2, check("4", "h9").exit(), "no host named h9");
        assertEquals(2, check("four", "7").exit());
        assertEquals(2, check("4").exit(), "HOST is required");
    }

    @Test
    void auditRecordsTheDecisionInTheChainedLog() throws Exception {
        assertEquals(0, check("--audit", "4", "7").exit());
        assertEquals(1, check("--audit", "4", "8").exit());
        List<String> lines = Files.readAllLines(auditLog);
        assertEquals(2, lines.size());
        JsonNode second = new ObjectMapper().readTree(lines.get(1));
        assertEquals("policy.decision", second.get("event").asText());
        assertEquals("DENY", second.get("decision").asText());
        assertEquals("COUNTRY_NOT_ALLOWED", second.get("reasons").get(0).get("code").asText());
        CliRun verify = CliRun.run(env, "audit", "verify");
        assertEquals(0, verify.exit(), verify.toString());
        assertTrue(verify.out().contains("OK: 2 records"), verify.out());
    }

    @Test
    void identityPrintsWhatAVmCertificateBindsAsTheArgumentsOfIssueVm() {
        CliRun r = CliRun.run(env, "policy", "identity", "4");
        assertEquals(0, r.exit(), r.toString());
        assertEquals("--vm-id 4 --uuid " + TestPki.VM_UUID + " --owner oneadmin\n", r.out());
    }

    @Test
    void identityOfAnUnknownVmIsBadInputWithOnedsWords() {
        CliRun r = CliRun.run(env, "policy", "identity", "999");
        assertEquals(2, r.exit(), r.toString());
        assertEquals("", r.out());
        CliRun bad = CliRun.run(env, "policy", "identity", "four");
        assertEquals(2, bad.exit(), bad.toString());
    }
}
