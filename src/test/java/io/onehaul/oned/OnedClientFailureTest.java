package io.onehaul.oned;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.onehaul.oned.OnedException.Kind.API_FAILURE;
import static io.onehaul.oned.OnedException.Kind.CONNECTION;
import static io.onehaul.oned.OnedException.Kind.FAULT;
import static io.onehaul.oned.OnedException.Kind.MALFORMED_RESPONSE;
import static io.onehaul.oned.OnedException.Kind.TIMEOUT;
import static io.onehaul.oned.OnedFixtures.onedReply;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

/** How the typed client fails: oned's refusals, faults, an absent or slow oned, and replies that are not oned's. */
class OnedClientFailureTest {
    /** Not the recorded session: every message is checked for it (and for its password part). */
    private static final String SECRET = "oneadmin:Sup3r-Secret-pw";

    @RegisterExtension
    static WireMockExtension oned = OnedFixtures.server();

    private final OnedClient client = OnedFixtures.client(oned, SECRET);

    private static void reply(String body) {
        oned.stubFor(any(anyUrl()).willReturn(onedReply(body.getBytes(StandardCharsets.UTF_8))));
    }

    private static void replyRecorded(String name) {
        oned.stubFor(any(anyUrl()).willReturn(OnedFixtures.recordedReply(name)));
    }

    private static String success(String valueXml) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<methodResponse><params><param><value><array><data>"
                + "<value><boolean>1</boolean></value>" + valueXml + "<value><i4>0</i4></value>"
                + "</data></array></value></param></params></methodResponse>\r\n";
    }

    private static String escaped(String xml) {
        return "<value><string>" + xml.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "</string></value>";
    }

    private static OnedException fails(OnedException.Kind kind, String method, Executable call) {
        OnedException e = assertThrows(OnedException.class, call);
        assertEquals(kind, e.kind(), e.getMessage());
        assertEquals(method, e.method());
        OnedFixtures.assertOperatorReadable(e, method, SECRET);
        return e;
    }

    // --- oned refuses: API failures keep oned's message, error code and object id

    @Test
    void aWrongPasswordIsAnAuthenticationFailureEvenForTheVersionCall() {
        replyRecorded("one.system.version.fail-auth-wrong-password");

        OnedException e = fails(API_FAILURE, "one.system.version", client::systemVersion);

        assertEquals(OnedException.AUTHENTICATION, e.code());
        assertEquals("one.system.version failed: [one.system.version] User couldn't be authenticated, aborting call."
                + " (AUTHENTICATION 256)", e.getMessage());
    }

    @Test
    void vmInfoOfAMissingVmIsNoExistsNamingTheVm() {
        replyRecorded("one.vm.info.fail-no-vm");

        OnedException e = fails(API_FAILURE, "one.vm.info", () -> client.vmInfo(999));

        assertEquals(OnedException.NO_EXISTS, e.code());
        assertEquals(999, e.objectId());
        assertTrue(e.isNotFound());
        assertEquals("one.vm.info failed: [one.vm.info] Error getting virtual machine [999]. (NO_EXISTS 1024, object 999)",
                e.getMessage());
    }

    @Test
    void vmInfoWithAWrongPasswordIsAnAuthenticationFailure() {
        replyRecorded("one.vm.info.fail-auth-wrong-password");

        OnedException e = fails(API_FAILURE, "one.vm.info", () -> client.vmInfo(4));

        assertEquals(256, e.code());
        assertEquals(-1, e.objectId());
    }

    @Test
    void anActionFailureKeepsCode2048() {
        replyRecorded("one.vm.migrate.fail-state-hold");

        OnedException e = fails(API_FAILURE, "one.vm.update", () -> client.vmUpdate(5, "A=1", true));

        assertEquals(OnedException.ACTION, e.code());
        assertTrue(e.getMessage().contains("(ACTION 2048)"), e.getMessage());
    }

    // --- XML-RPC faults keep fault code and string

    @Test
    void anUnknownMethodFaultKeepsCodeMinus506() {
        replyRecorded("malformed.bad-method-name");

        OnedException e = fails(FAULT, "one.hostpool.info", client::hostPoolInfo);

        assertEquals(-506, e.code());
        assertEquals("one.hostpool.info rejected by oned: XML-RPC fault -506: Method 'one.vm.nosuchmethod' not defined",
                e.getMessage());
    }

    @Test
    void aBadCallXmlFaultKeepsCodeMinus503() {
        replyRecorded("malformed.truncated-xml");

        OnedException e = fails(FAULT, "one.system.version", client::systemVersion);

        assertEquals(-503, e.code());
        assertTrue(e.detail().endsWith("Problem with token at '</...': unclosed token"), e.detail());
    }

    @Test
    void aWrongParameterFaultKeepsCodeMinus501() {
        replyRecorded("one.vm.migrate.fail-wrong-param-type");

        OnedException e = fails(FAULT, "one.host.info", () -> client.hostInfo(7));

        assertEquals(-501, e.code());
        assertEquals("Parameter that is supposed to be integer is not", e.detail());
    }

    /** Set when Java deserializes one: a fault's cause must never be deserialized (CVE-2019-17570). */
    static final class Tripwire implements Serializable {
        private static final long serialVersionUID = 1L;
        static volatile boolean deserialized;

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            deserialized = true;
        }
    }

    @Test
    void aFaultCarryingASerializedJavaObjectIsAFaultAndTheObjectIsNeverDeserialized() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new Tripwire());
        }
        Tripwire.deserialized = false;
        reply("<?xml version=\"1.0\"?>\r\n<methodResponse><fault><value><struct>"
                + "<member><name>faultCode</name><value><i4>-32500</i4></value></member>"
                + "<member><name>faultString</name><value>not oned</value></member>"
                + "<member><name>faultCause</name><value><base64>"
                + Base64.getEncoder().encodeToString(bytes.toByteArray()) + "</base64></value></member>"
                + "</struct></value></fault></methodResponse>\r\n");

        OnedException e = fails(FAULT, "one.system.version", client::systemVersion);

        assertEquals(-32500, e.code());
        assertEquals("not oned", e.detail());
        assertFalse(Tripwire.deserialized, "the reply's Java object was deserialized");
    }

    // --- no oned: nothing delivered, or no reply in time

    @Test
    void aClosedPortIsAConnectionFailureNamingTheEndpoint() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port + "/RPC2";
        OnedClient nobody = new OnedClient(OnedEndpoint.of(url, SECRET), Duration.ofSeconds(2), Duration.ofSeconds(2));

        OnedException e = fails(CONNECTION, "one.vm.info", () -> nobody.vmInfo(4));

        assertTrue(e.getMessage().contains("cannot reach oned at " + url), e.getMessage());
    }

    @Test
    void anUnresolvableHostIsAConnectionFailure() {
        OnedClient nowhere = new OnedClient(OnedEndpoint.of("http://oned.invalid:2633/RPC2", SECRET),
                Duration.ofSeconds(2), Duration.ofSeconds(2));

        fails(CONNECTION, "one.system.version", nowhere::systemVersion);
    }

    @Test
    void aReplySlowerThanTheReplyTimeoutIsATimeoutAndTheCallIsSentOnlyOnce() {
        oned.stubFor(any(anyUrl()).willReturn(OnedFixtures.recordedReply("one.vm.update.merge").withFixedDelay(3000)));
        OnedClient impatient = new OnedClient(OnedEndpoint.of(OnedFixtures.url(oned), SECRET),
                Duration.ofSeconds(2), Duration.ofMillis(300));

        long start = System.nanoTime();
        OnedException e = fails(TIMEOUT, "one.vm.update", () -> impatient.vmUpdate(4, "LABELS=\"x\"", true));
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertTrue(tookMs < 2500, "gave up after the reply timeout, not the delay: " + tookMs + " ms");
        assertTrue(e.getMessage().contains("within 300 ms") && e.getMessage().contains("may still have been carried out"),
                e.getMessage());
        oned.verify(exactly(1), postRequestedFor(urlEqualTo(OnedFixtures.PATH)));
    }

    @Test
    void aConnectionResetBeforeTheReplyIsAConnectionFailureAndIsNotRetried() {
        oned.stubFor(any(anyUrl()).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

        fails(CONNECTION, "one.vm.update", () -> client.vmUpdate(4, "LABELS=\"x\"", true));

        oned.verify(exactly(1), postRequestedFor(urlEqualTo(OnedFixtures.PATH)));
    }

    // --- replies that are not (usable) oned XML-RPC

    @Test
    void aGarbageBodyIsAMalformedResponse() {
        reply("this is not XML at all");

        fails(MALFORMED_RESPONSE, "one.system.version", client::systemVersion);
    }

    @Test
    void anHtmlErrorPageIsAMalformedResponse() {
        reply("<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>");

        OnedException e = fails(MALFORMED_RESPONSE, "one.vm.info", () -> client.vmInfo(4));

        assertTrue(e.getMessage().contains("malformed response from oned at " + OnedFixtures.url(oned)), e.getMessage());
    }

    @Test
    void anHtmlPageWithADoctypeIsAMalformedResponse() {
        reply("<!DOCTYPE html>\n<html><body>proxy login</body></html>");

        fails(MALFORMED_RESPONSE, "one.vm.info", () -> client.vmInfo(4));
    }

    @Test
    void aTruncatedReplyIsAMalformedResponse() {
        byte[] full = OnedFixtures.bytes("one.vm.info.running-h1.response.xml");
        oned.stubFor(any(anyUrl()).willReturn(onedReply(Arrays.copyOf(full, full.length / 2))));

        fails(MALFORMED_RESPONSE, "one.vm.info", () -> client.vmInfo(4));
    }

    @Test
    void anEmptyReplyIsAMalformedResponse() {
        reply("");

        fails(MALFORMED_RESPONSE, "one.system.version", client::systemVersion);
    }

    @Test
    void anHttpErrorStatusIsAMalformedResponseNamingTheStatus() {
        oned.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(404).withBody("not here")));

        OnedException e = fails(MALFORMED_RESPONSE, "one.system.version", client::systemVersion);

        assertTrue(e.getMessage().contains("HTTP status 404"), e.getMessage());
    }

    @Test
    void aReplyThatIsNotAnArrayIsAMalformedResponse() {
        reply("<?xml version=\"1.0\"?><methodResponse><params><param><value><string>7.5.80</string></value>"
                + "</param></params></methodResponse>");

        OnedException e = fails(MALFORMED_RESPONSE, "one.system.version", client::systemVersion);

        assertTrue(e.getMessage().contains("expected an array"), e.getMessage());
    }

    @Test
    void aNumberWhereAStringIsExpectedIsAMalformedResponse() {
        reply(success("<value><i4>4</i4></value>"));

        fails(MALFORMED_RESPONSE, "one.system.version", client::systemVersion);
    }

    @Test
    void aStringWhereAnIdIsExpectedIsAMalformedResponse() {
        reply(success("<value><string>four</string></value>"));

        fails(MALFORMED_RESPONSE, "one.host.update", () -> client.hostUpdate(7, "A=1", false));
    }

    @Test
    void unparseableVmXmlIsAMalformedResponse() {
        reply(success(escaped("<VM><ID>4</ID><NAME>cut")));

        OnedException e = fails(MALFORMED_RESPONSE, "one.vm.info", () -> client.vmInfo(4));

        assertTrue(e.getMessage().contains("not well-formed"), e.getMessage());
    }

    @Test
    void aHostDocumentWhereAVmIsExpectedIsAMalformedResponse() {
        reply(success(escaped("<HOST><ID>7</ID><NAME>h1</NAME></HOST>")));

        OnedException e = fails(MALFORMED_RESPONSE, "one.vm.info", () -> client.vmInfo(7));

        assertTrue(e.getMessage().contains("expected <VM>"), e.getMessage());
    }

    @Test
    void aVmPoolWhereAHostPoolIsExpectedIsAMalformedResponse() {
        OnedFixtures.serve(oned, "one.hostpool.info", "one.vmpool.info.all");

        fails(MALFORMED_RESPONSE, "one.hostpool.info", client::hostPoolInfo);
    }

    @Test
    void aSerializedJavaObjectInAReplyIsRefused() {
        reply("<?xml version=\"1.0\"?><methodResponse xmlns:ex=\"http://ws.apache.org/xmlrpc/namespaces/extensions\">"
                + "<params><param><value><ex:serializable>rO0ABXQABWhlbGxv</ex:serializable></value>"
                + "</param></params></methodResponse>");

        fails(MALFORMED_RESPONSE, "one.system.version", client::systemVersion);
    }

    @Test
    void anExternalEntityInAReplyIsRefusedAndNotResolved() {
        reply("<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>"
                + "<methodResponse><params><param><value><array><data><value><boolean>1</boolean></value>"
                + "<value><string>&x;</string></value><value><i4>0</i4></value></data></array></value>"
                + "</param></params></methodResponse>");

        fails(MALFORMED_RESPONSE, "one.system.version", client::systemVersion);
    }

    @Test
    void aTimeoutOfZeroIsRejectedUpFront() {
        OnedEndpoint ep = OnedEndpoint.of(OnedFixtures.url(oned), SECRET);

        assertThrows(IllegalArgumentException.class, () -> new OnedClient(ep, Duration.ZERO, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new OnedClient(ep, Duration.ofSeconds(1), Duration.ofMillis(-1)));
    }
}
