package io.onehaul.opennebula;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Reads what one_vmm_exec writes on a driver script's stdin. Local actions (ours) get strict base64
 * on one line with no newline (reference §1.5, §10.2); remote actions would get raw XML. Both are
 * accepted; anything else is refused before any work starts.
 */
public final class DriverStdin {
    /** oned's messages are a few KiB; a cap keeps a runaway writer from exhausting memory. */
    static final int MAX_BYTES = 16 * 1024 * 1024;

    private DriverStdin() {}

    public static String readXml(InputStream in, String what) {
        byte[] raw;
        try {
            raw = in.readNBytes(MAX_BYTES + 1);
        } catch (IOException e) {
            throw new BadInputException("cannot read " + what + " from stdin: " + e.getMessage(), e);
        }
        if (raw.length > MAX_BYTES) {
            throw new BadInputException(what + " on stdin is larger than " + MAX_BYTES + " bytes");
        }
        return decode(new String(raw, StandardCharsets.UTF_8), what);
    }

    public static String decode(String text, String what) {
        String t = text.strip();
        if (t.isEmpty()) {
            throw new BadInputException(what + ": stdin is empty (expected base64 of the XML oned sends)");
        }
        if (t.startsWith("<")) {
            return t;
        }
        if (!t.matches("[A-Za-z0-9+/]+={0,2}")) {
            throw new BadInputException(what + ": stdin is neither XML nor one line of base64");
        }
        try {
            String xml = new String(Base64.getDecoder().decode(t), StandardCharsets.UTF_8);
            if (!xml.stripLeading().startsWith("<")) {
                throw new BadInputException(what + ": base64 on stdin does not decode to XML");
            }
            return xml;
        } catch (IllegalArgumentException e) {
            throw new BadInputException(what + ": stdin is not valid base64: " + e.getMessage(), e);
        }
    }
}
