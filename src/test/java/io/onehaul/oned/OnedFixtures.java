package io.onehaul.oned;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingXPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.common.ConsoleNotifier;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Test support: the recorded oned 7.5.80 wire fixtures (read from the classpath as bytes, so their
 * CRLF line ends reach the client unchanged) and a WireMock server that plays oned.
 */
final class OnedFixtures {
    static final String DIR = "/fixtures/oned-7.5.80/xmlrpc/";
    /** The session every recorded request carried (a throw-away test install). */
    static final String RECORDED_SESSION = "oneadmin:onepass";
    static final String PATH = "/RPC2";

    private OnedFixtures() {}

    static WireMockExtension server() {
        return WireMockExtension.newInstance()
                .options(wireMockConfig().dynamicPort().notifier(new ConsoleNotifier(false)))
                .build();
    }

    static byte[] bytes(String file) {
        try (InputStream in = OnedFixtures.class.getResourceAsStream(DIR + file)) {
            assertNotNull(in, "fixture " + file + " on the classpath");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String file) {
        return new String(bytes(file), StandardCharsets.UTF_8);
    }

    /** An HTTP reply as oned sends it: 200, text/xml, the recorded body byte for byte. */
    static ResponseDefinitionBuilder onedReply(byte[] body) {
        return aResponse().withStatus(200)
                .withHeader("Content-type", "text/xml; charset=utf-8")
                .withHeader("Server", "Xmlrpc-c_Abyss/1.33.14")
                .withBody(body);
    }

    static ResponseDefinitionBuilder recordedReply(String name) {
        return onedReply(bytes(name + ".response.xml"));
    }

    /** Replies with the named response fixture to any call of {@code method}. */
    static void serve(WireMockExtension oned, String method, String name) {
        oned.stubFor(post(urlEqualTo(PATH))
                .withRequestBody(matchingXPath("/methodCall/methodName[text()='" + method + "']"))
                .willReturn(recordedReply(name)));
    }

    static String url(WireMockExtension oned) {
        return oned.baseUrl() + PATH;
    }

    static OnedClient client(WireMockExtension oned, String session) {
        return new OnedClient(OnedEndpoint.of(url(oned), session), Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    /** What every failure must be: one line, naming the method, and never carrying the secret. */
    static void assertOperatorReadable(OnedException e, String method, String secret) {
        String m = e.getMessage();
        assertAll("message: " + m,
                () -> assertFalse(m.contains("\n") || m.contains("\r"), "one line"),
                () -> assertTrue(method == null || m.contains(method), "names the method " + method),
                () -> assertFalse(m.contains(secret), "does not contain the session"),
                () -> assertFalse(String.valueOf(e.detail()).contains(secret), "detail does not contain the session"),
                () -> assertFalse(secret.contains(":") && m.contains(secret.substring(secret.indexOf(':') + 1)),
                        "does not contain the password"));
    }
}
