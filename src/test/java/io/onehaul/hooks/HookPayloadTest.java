package io.onehaul.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.opennebula.BadInputException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Reading $API / $TEMPLATE exactly as onehem delivers them, and nothing else. */
class HookPayloadTest {
    static final InputStream NO_STDIN = new ByteArrayInputStream(new byte[0]);

    /** Every recorded payload: 35 invocations, argv and stdin deliveries. */
    static Stream<String> recordedPayloads() throws IOException, URISyntaxException {
        Path dir = Path.of(HookPayloadTest.class.getResource(HookFixtures.HOOKS).toURI());
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".b64")).map(p -> dir.relativize(p).toString()).sorted()
                    .toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("recordedPayloads")
    void everyRecordedPayloadDecodesToItsRecordedXmlByteForByte(String name) throws IOException {
        String b64 = HookFixtures.payload(name);
        String xml = name.endsWith(".stdin.b64")
                ? HookPayload.read(null, new ByteArrayInputStream(b64.getBytes(StandardCharsets.US_ASCII)), "$API")
                : HookPayload.read(b64, NO_STDIN, "$API");
        assertEquals(HookFixtures.decoded(name), xml);
    }

    @Test
    void recordedPayloadsAreAllThere() throws Exception {
        assertEquals(35, recordedPayloads().count(), "hooks/INDEX.md: 35 invocations");
    }

    @Test
    void anArgumentWinsOverStdin() throws IOException {
        String b64 = HookFixtures.payload(HookFixtures.MIGRATE_TO_H2);
        String xml = HookPayload.read(b64, new ByteArrayInputStream("garbage".getBytes(StandardCharsets.US_ASCII)), "$API");
        assertTrue(xml.startsWith("<CALL_INFO>"));
    }

    @Test
    void oneTrailingNewlineOnStdinIsToleratedForPeopleUsingEcho() throws IOException {
        String b64 = HookFixtures.payload(HookFixtures.MIGRATE_TO_H2);
        for (String end : List.of("\n", "\r\n")) {
            String xml = HookPayload.read(null, new ByteArrayInputStream((b64 + end).getBytes(StandardCharsets.US_ASCII)), "$API");
            assertTrue(xml.startsWith("<CALL_INFO>"));
        }
    }

    @Test
    void anythingButStrictBase64IsRefusedNamingTheFirstBadCharacter() {
        String b64 = HookFixtures.payload(HookFixtures.MIGRATE_TO_H2);
        String wrapped = b64.substring(0, 76) + "\n" + b64.substring(76);
        BadInputException e = assertThrows(BadInputException.class, () -> HookPayload.read(wrapped, NO_STDIN, "$API"));
        assertEquals("$API is not strict base64 (one line of A-Z a-z 0-9 + / and = padding): byte 0x0a at offset 76",
                e.getMessage());
        assertThrows(BadInputException.class, () -> HookPayload.read(b64.substring(1), NO_STDIN, "$API"), "length");
        assertThrows(BadInputException.class, () -> HookPayload.read("YW=j", NO_STDIN, "$API"), "padding inside");
        assertThrows(BadInputException.class, () -> HookPayload.read("YWJj-_==", NO_STDIN, "$API"), "url alphabet");
        assertThrows(BadInputException.class, () -> HookPayload.read(null,
                new ByteArrayInputStream((b64 + "\n\n").getBytes(StandardCharsets.US_ASCII)), "$API"), "two newlines");
    }

    @Test
    void noPayloadAtAllSaysWhereItShouldHaveBeen() {
        BadInputException e = assertThrows(BadInputException.class, () -> HookPayload.read(null, NO_STDIN, "$TEMPLATE"));
        assertTrue(e.getMessage().contains("ARGUMENTS_STDIN=yes"), e.getMessage());
    }

    @Test
    void decodedBytesMustBeUtf8Xml() {
        String binary = Base64.getEncoder().encodeToString(new byte[] {'<', (byte) 0xff, (byte) 0xfe, '>'});
        assertThrows(BadInputException.class, () -> HookPayload.read(binary, NO_STDIN, "$API"));
        String text = Base64.getEncoder().encodeToString("hello".getBytes(StandardCharsets.UTF_8));
        BadInputException e = assertThrows(BadInputException.class, () -> HookPayload.read(text, NO_STDIN, "$API"));
        assertEquals("$API decodes to 5 bytes that are not XML", e.getMessage());
    }
}
