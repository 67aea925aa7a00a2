package io.onehaul.hooks;

import io.onehaul.opennebula.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * What onehem hands a hook: {@code $API} or {@code $TEMPLATE}, the base64 of an XML element, either as
 * the only argv word ({@code ARGUMENTS="$API"}) or on stdin ({@code ARGUMENTS_STDIN=yes}). Recorded
 * with oned 7.5.80 (fixtures hooks/INDEX.md): always strict base64 on one line, padded, no newline at
 * all. So anything else is refused here, before a hook reads configuration or calls oned: a hook must
 * not act on a payload it cannot read exactly.
 */
public final class HookPayload {
    /** A VM with a long history is tens of KB; 64 MiB is far beyond any real payload, and bounds memory. */
    static final int MAX_BYTES = 64 * 1024 * 1024;

    private HookPayload() {}

    /**
     * The decoded XML text.
     *
     * @param argument the argv word, or null when the hook was given none (then stdin is read)
     * @param stdin    the process's stdin; read to EOF only when {@code argument} is null
     * @param what     "$API" or "$TEMPLATE", for the messages
     */
    public static String read(String argument, InputStream stdin, String what) throws IOException {
        String text = argument != null ? argument : fromStdin(stdin, what);
        if (text.isEmpty()) {
            throw new BadInputException("no " + what + ": give it as the only argument (ARGUMENTS=\"" + what
                    + "\") or on stdin (ARGUMENTS_STDIN=yes)");
        }
        checkAlphabet(text, what);
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(what + " is not strict base64: " + e.getMessage());
        }
        String xml = utf8(bytes, what);
        if (!xml.stripLeading().startsWith("<")) {
            throw new BadInputException(what + " decodes to " + bytes.length + " bytes that are not XML");
        }
        return xml;
    }

    private static String fromStdin(InputStream stdin, String what) throws IOException {
        byte[] raw = stdin.readNBytes(MAX_BYTES + 1);
        if (raw.length > MAX_BYTES) {
            throw new BadInputException(what + " on stdin is larger than " + MAX_BYTES + " bytes");
        }
        String s = new String(raw, StandardCharsets.ISO_8859_1); // byte = char, so the alphabet check sees every byte
        // onehem sends no newline; a person piping `echo "$B64" | onehaul hook ...` sends one. Tolerate exactly that.
        if (s.endsWith("\r\n")) {
            return s.substring(0, s.length() - 2);
        }
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    /** Names the first offending character (never echoes the payload: it may be large or binary). */
    private static void checkAlphabet(String text, String what) {
        int padding = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean alphabet = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/';
            if (c == '=') {
                padding++;
            } else if (!alphabet || padding > 0) {
                throw new BadInputException(what + " is not strict base64 (one line of A-Z a-z 0-9 + / and = padding): "
                        + describe(c) + " at offset " + i);
            }
        }
        if (padding > 2 || text.length() % 4 != 0) {
            throw new BadInputException(what + " is not strict base64: length " + text.length()
                    + " is not a multiple of 4 with at most two '=' at the end");
        }
    }

    private static String describe(char c) {
        return c >= 0x21 && c < 0x7f ? "'" + c + "'" : String.format("byte 0x%02x", (int) c);
    }

    private static String utf8(byte[] bytes, String what) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new BadInputException(what + " decodes to bytes that are not UTF-8 text");
        }
    }
}
