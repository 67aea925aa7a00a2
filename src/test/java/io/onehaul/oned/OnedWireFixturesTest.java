package io.onehaul.oned;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.binaryEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.onehaul.oned.OnedException.Kind.API_FAILURE;
import static io.onehaul.oned.OnedException.Kind.FAULT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.onehaul.opennebula.Xml;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.w3c.dom.Element;

/**
 * Every recorded request/response pair, replayed through the untyped layer with the recorded method,
 * session and parameters: the bytes we send must equal what oned 7.5.80 accepted, and every recorded
 * reply must unpack to its value or to an OnedException of the right kind, code and text.
 */
class OnedWireFixturesTest {

    @RegisterExtension
    static WireMockExtension oned = OnedFixtures.server();

    /** A recorded call: method name, the session (first param) and the typed params after it. */
    private record Call(String method, String session, Object[] params) {
        static Call of(String name) {
            Element root = Xml.parseRoot(OnedFixtures.text(name + ".request.xml"), "methodCall", name);
            List<Object> values = new ArrayList<>();
            for (Element param : Xml.children(Xml.child(root, "params").orElseThrow(), "param")) {
                Element value = Xml.child(param, "value").orElseThrow();
                List<Element> typed = Xml.children(value, null);
                String text = (typed.isEmpty() ? value : typed.get(0)).getTextContent();
                String type = typed.isEmpty() ? "string" : typed.get(0).getTagName();
                values.add(switch (type) {
                    case "i4", "int" -> Integer.valueOf(text);
                    case "boolean" -> "1".equals(text);
                    case "string" -> text;
                    default -> throw new IllegalStateException(name + ": unexpected type " + type);
                });
            }
            return new Call(Xml.text(root, "methodName"), (String) values.get(0),
                    values.subList(1, values.size()).toArray());
        }
    }

    private static Object replay(String name) {
        oned.stubFor(any(anyUrl()).willReturn(OnedFixtures.recordedReply(name)));
        boolean hasXmlRequest = OnedFixtures.class.getResource(OnedFixtures.DIR + name + ".request.xml") != null;
        // the two .request.txt fixtures are not XML-RPC at all; their fault replies are served to a version call
        Call call = hasXmlRequest ? Call.of(name) : new Call("one.system.version", OnedFixtures.RECORDED_SESSION, new Object[0]);
        OnedRpc rpc = new OnedRpc(OnedEndpoint.of(OnedFixtures.url(oned), call.session()),
                Duration.ofSeconds(2), Duration.ofSeconds(5));
        return rpc.call(call.method(), call.params());
    }

    static Stream<String> recordedXmlRequests() throws IOException, URISyntaxException {
        Path dir = Path.of(OnedWireFixturesTest.class.getResource(OnedFixtures.DIR).toURI());
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(f -> f.endsWith(".request.xml"))
                    .map(f -> f.substring(0, f.length() - ".request.xml".length()))
                    // this one deliberately uses <string>/<int> tags, which Apache XML-RPC does not write
                    .filter(n -> !n.equals("one.system.version.canonical-style"))
                    .sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recordedXmlRequests")
    void replayingARecordedCallSendsExactlyTheBytesOnedAccepted(String name) {
        try {
            replay(name);
        } catch (OnedException expectedForFailureFixtures) {
            // the outcome is checked by the other tests; here only the request matters
        }
        oned.verify(exactly(1), postRequestedFor(urlEqualTo(OnedFixtures.PATH))
                .withRequestBody(binaryEqualTo(OnedFixtures.bytes(name + ".request.xml"))));
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', textBlock = """
            one.system.version                 | 7.5.80
            one.system.version.canonical-style | 7.5.80
            one.vm.allocate                    | 4
            one.vm.allocate.on-hold            | 5
            one.vm.migrate.success-live-to-h2  | 4
            one.vm.migrate.success-live-to-h1  | 4
            one.vm.update.replace              | 4
            one.vm.update.merge                | 4
            one.host.update.append             | 7
            one.vm.action.poweroff             | 4
            one.vm.action.resume               | 4
            one.host.status.disable-h2         | 8
            one.host.status.enable-h2          | 8
            """)
    void aRecordedSuccessReplyUnpacksToItsValue(String name, String expected) {
        assertEquals(expected, String.valueOf(replay(name)));
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', textBlock = """
            one.user.info.whoami                      | USER
            one.vm.info.pending                       | VM
            one.vm.info.poweroff                      | VM
            one.vm.info.running-h1-after-migrate-back | VM
            one.vm.info.after-update-replace          | VM
            one.vm.info.after-update-merge            | VM
            one.host.info.h1                          | HOST
            one.hostpool.info                         | HOST_POOL
            one.vmpool.info.all                       | VM_POOL
            one.vmpool.infoextended.all               | VM_POOL
            """)
    void aRecordedDocumentReplyUnpacksToWellFormedXml(String name, String root) {
        Object value = replay(name);
        assertEquals(root, Xml.parse((String) value, name).getTagName());
    }

    @ParameterizedTest(name = "{0} → {1} {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            one.system.version.fail-auth-wrong-password | API_FAILURE |  256 |  -1 | [one.system.version] User couldn't be authenticated, aborting call.
            one.vm.info.fail-auth-wrong-password        | API_FAILURE |  256 |  -1 | [one.vm.info] User couldn't be authenticated, aborting call.
            one.vm.info.fail-no-vm                      | API_FAILURE | 1024 | 999 | [one.vm.info] Error getting virtual machine [999].
            one.vm.migrate.fail-no-vm                   | API_FAILURE | 1024 | 999 | [one.vm.migrate] Error getting virtual machine [999].
            one.vm.migrate.fail-no-host                 | API_FAILURE | 1024 | 999 | [one.vm.migrate] Error getting host [999].
            one.vm.migrate.fail-no-ds                   | API_FAILURE | 1024 | 999 | [one.vm.migrate] Error getting datastore [999].
            one.vm.migrate.fail-same-host               | API_FAILURE | 2048 |  -1 | [one.vm.migrate] VM is already running on host [8] and datastore [100]
            one.vm.migrate.fail-live-host-and-ds        | API_FAILURE | 2048 |  -1 | [one.vm.migrate] Cannot live migrate host and datastore at the same time.
            one.vm.migrate.fail-state-hold              | API_FAILURE | 2048 |  -1 | [one.vm.migrate] Migrate action is not available for state HOLD
            one.vm.action.fail-poweroff-when-poweroff   | API_FAILURE | 2048 |  -1 | [one.vm.action] Error performing action "poweroff": This action is not available for state POWEROFF
            one.vm.action.fail-unknown-action           | API_FAILURE | 2048 |  -1 | [one.vm.action] Action "explode" is not supported
            one.vm.migrate.fail-wrong-param-type        | FAULT       | -501 |  -1 | Parameter that is supposed to be integer is not
            one.vm.migrate.fail-too-few-params          | FAULT       | -501 |  -1 | Not enough parameters
            malformed.bad-method-name                   | FAULT       | -506 |  -1 | Method 'one.vm.nosuchmethod' not defined
            malformed.not-xml                           | FAULT       | -503 |  -1 | Call XML not a proper XML-RPC call.  Call is not valid XML.  syntax error
            malformed.truncated-xml                     | FAULT       | -503 |  -1 | Call XML not a proper XML-RPC call.  Call is not valid XML.  Invalid XML "content".  Problem with token at '</...': unclosed token
            """)
    void aRecordedFailureReplyBecomesAnOnedExceptionWithOnedsCodeAndText(
            String name, OnedException.Kind kind, int code, int objectId, String detail) {
        OnedException e = assertThrows(OnedException.class, () -> replay(name));

        assertEquals(kind, e.kind());
        assertEquals(code, e.code());
        assertEquals(objectId, e.objectId());
        assertEquals(detail, e.detail());
        assertTrue(e.getMessage().contains(detail), e.getMessage());
        if (kind == API_FAILURE) {
            assertTrue(e.getMessage().contains(OnedException.codeName(code) + " " + code), e.getMessage());
        }
        if (kind == FAULT) {
            assertTrue(e.getMessage().contains("XML-RPC fault " + code), e.getMessage());
        }
        OnedFixtures.assertOperatorReadable(e, name.startsWith("malformed.not") || name.startsWith("malformed.trunc")
                ? "one.system.version" : Call.of(name).method(), OnedFixtures.RECORDED_SESSION);
    }
}
