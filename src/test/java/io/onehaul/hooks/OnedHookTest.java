package io.onehaul.hooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingXPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.common.ConsoleNotifier;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.onehaul.policy.TestPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bouncycastle.cert.X509AttributeCertificateHolder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the hook commands as onehem would, against a WireMock oned that answers with the recorded
 * documents of VM 4 (fx-regvm, REGULATION ES,DE / ACME, owner oneadmin) and hosts h1 (id 7, ES, ACME)
 * and h2 (id 8, moved to US), with certificates from a test PCA where an operator puts them. The hooks
 * decide at the real time, so certificates and CRL are valid around it.
 */
abstract class OnedHookTest {
    @RegisterExtension
    static WireMockExtension oned = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().notifier(new ConsoleNotifier(false))).build();

    static final String SESSION = "oneadmin:onepass";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;
    TestPki pki;
    Map<String, String> env;
    Path auditLog;
    Path conf;
    X509AttributeCertificateHolder vmCert;
    X509AttributeCertificateHolder h1Cert;
    X509AttributeCertificateHolder h2Cert;

    @BeforeEach
    void setUpPkiAndConfig() throws IOException {
        pki = TestPki.create(tmp.resolve("pca"));
        Instant now = Instant.now();
        pki.publishCrl(now.minus(Duration.ofHours(1)), Duration.ofDays(1));
        Instant from = now.minus(Duration.ofDays(1));
        Instant to = now.plus(Duration.ofDays(1));
        vmCert = pki.issue(TestPki.vmAttributes(List.of("ES", "DE"), List.of("ACME")), from, to);
        h1Cert = pki.issue(TestPki.hostAttributes("h1", "ES", List.of("ACME")), from, to);
        h2Cert = pki.issue(TestPki.hostAttributes("h2", "US", List.of("ACME")), from, to);
        auditLog = tmp.resolve("log/audit.jsonl");
        conf = tmp.resolve("onehaul.conf");
        writeConf("");
        Path auth = Files.writeString(tmp.resolve("one_auth"), SESSION + "\n");
        env = new HashMap<>(Map.of("HOME", tmp.toString(), "ONEHAUL_CONF", conf.toString(),
                "ONE_XMLRPC", oned.baseUrl() + "/RPC2", "ONE_AUTH", auth.toString()));
    }

    /** The configuration with {@code extra} lines appended (e.g. "policy.remediation = poweroff\n"). */
    void writeConf(String extra) throws IOException {
        Files.createDirectories(tmp.resolve("log"));
        Files.writeString(conf, "policy.trust_anchor = " + pki.pca.certificateFile() + "\n"
                + "policy.crl = " + pki.pca.defaultCrlFile() + "\n"
                + "audit.log = " + auditLog + "\n"
                + "log.dir = " + tmp.resolve("log") + "\n" + extra);
    }

    HookRun hook(String name, String payload) {
        return HookRun.run(env, "", name, payload);
    }

    HookRun hookViaStdin(String name, String payload) {
        return HookRun.run(env, payload, name);
    }

    // ------------------------------------------------------------------ documents

    /** A recorded VM document (a one.vm.info reply, or a decoded $TEMPLATE) with the VM's certificate. */
    String certified(String vm) {
        return HookFixtures.withVmCertificate(vm, TestPki.base64(vmCert));
    }

    String h1() {
        return HookFixtures.withHostCertificate(HookFixtures.document("one.host.info.h1"), TestPki.base64(h1Cert));
    }

    /** h2 in the US: the VM allows only ES and DE. */
    String h2() {
        return HookFixtures.withHostCertificate(HookFixtures.host(8, "h2", "US"), TestPki.base64(h2Cert));
    }

    static String sha256(X509AttributeCertificateHolder c) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(TestPki.der(c)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ the oned stubs

    static MappingBuilder call(String method) {
        return post(urlEqualTo("/RPC2")).withRequestBody(matchingXPath("/methodCall/methodName[text()='" + method + "']"));
    }

    static MappingBuilder call(String method, int id) {
        return call(method).withRequestBody(matchingXPath("/methodCall/params/param[2]/value/i4[text()='" + id + "']"));
    }

    static ResponseDefinitionBuilder ok(byte[] body) {
        return aResponse().withStatus(200).withHeader("Content-type", "text/xml; charset=utf-8").withBody(body);
    }

    static void serveVm(int id, String document) {
        oned.stubFor(call("one.vm.info", id).willReturn(ok(HookFixtures.reply(document))));
    }

    static void serveHost(int id, String document) {
        oned.stubFor(call("one.host.info", id).willReturn(ok(HookFixtures.reply(document))));
    }

    static void serveHostPool(String... hosts) {
        oned.stubFor(call("one.hostpool.info").willReturn(ok(HookFixtures.reply(HookFixtures.hostPool(hosts)))));
    }

    /** one.vm.update, one.vm.migrate and one.vm.action succeed with the VM id, as recorded. */
    static void acceptChanges() {
        for (String m : List.of("one.vm.update", "one.vm.migrate", "one.vm.action")) {
            oned.stubFor(call(m).willReturn(ok(HookFixtures.idReply(4))));
        }
    }

    /** Every request oned received, oldest first. */
    static List<RpcCall> calls() {
        List<ServeEvent> events = new ArrayList<>(oned.getAllServeEvents());
        events.sort((a, b) -> a.getRequest().getLoggedDate().compareTo(b.getRequest().getLoggedDate()));
        return events.stream().map(e -> RpcCall.parse(e.getRequest().getBodyAsString())).toList();
    }

    static List<RpcCall> calls(String method) {
        return calls().stream().filter(c -> c.method().equals(method)).toList();
    }

    static List<String> methods() {
        return calls().stream().map(RpcCall::method).toList();
    }

    /** The raw request bodies of one method, for byte comparison with the recorded requests. */
    static List<byte[]> bodies(String method) {
        return oned.getAllServeEvents().stream().map(e -> e.getRequest().getBody())
                .filter(b -> RpcCall.parse(new String(b, java.nio.charset.StandardCharsets.UTF_8)).method().equals(method))
                .toList();
    }

    // ------------------------------------------------------------------ the audit log

    List<JsonNode> audit() {
        if (!Files.exists(auditLog)) {
            return List.of();
        }
        try {
            List<JsonNode> out = new ArrayList<>();
            for (String line : Files.readAllLines(auditLog)) {
                out.add(JSON.readTree(line));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> codes(JsonNode rec) {
        List<String> out = new ArrayList<>();
        rec.get("reasons").forEach(r -> out.add(r.get("code").asText()));
        return out;
    }
}
