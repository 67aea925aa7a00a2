package io.onehaul.hooks;

import io.onehaul.opennebula.BadInputException;
import io.onehaul.opennebula.Xml;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.w3c.dom.Element;

/**
 * A decoded {@code $API}: {@code <CALL_INFO>} with RESULT (1 the call succeeded, 0 oned refused it), the
 * IN parameters as the client sent them (1 is the session, always masked "****"), the OUT values
 * (1 true/false, 2 the return value or error message, 3 the error code, on failure 4 the object id) and
 * EXTRA (the object's XML for allocate/delete calls, empty otherwise). Reference §5.4 and the recorded
 * payloads in fixtures hooks/.
 */
public final class CallInfo {
    /** oned writes IN values verbatim, without XML escaping (HookAPI::format_message), see {@link #parse}. */
    private static final Pattern RAW_VALUE = Pattern.compile("(<VALUE>)(.*?)(</VALUE>\\s*</PARAMETER>)", Pattern.DOTALL);

    private final boolean success;
    private final Map<Integer, String> in;
    private final Map<Integer, String> out;
    private final Element extra;

    private CallInfo(boolean success, Map<Integer, String> in, Map<Integer, String> out, Element extra) {
        this.success = success;
        this.in = Collections.unmodifiableMap(in);
        this.out = Collections.unmodifiableMap(out);
        this.extra = extra;
    }

    /**
     * Parses the XML. oned inserts parameter values without escaping them, so an update whose template
     * holds {@code &} or {@code <} (a SCHED_REQUIREMENTS expression, say) yields XML that is not
     * well-formed; only then are the VALUE texts escaped and the parse retried. Anything else malformed
     * is bad input.
     */
    public static CallInfo parse(String xml) {
        Element root;
        try {
            root = Xml.parseRoot(xml, "CALL_INFO", "$API");
        } catch (BadInputException strict) {
            String repaired = escapeRawValues(xml);
            if (repaired.equals(xml)) {
                throw strict;
            }
            try {
                root = Xml.parseRoot(repaired, "CALL_INFO", "$API");
            } catch (BadInputException again) {
                throw strict;
            }
        }
        String result = Xml.text(root, "RESULT");
        if (!result.equals("1") && !result.equals("0")) {
            throw new BadInputException("$API: RESULT must be 1 or 0, got '" + oneLine(result) + "'");
        }
        Map<Integer, String> in = new TreeMap<>();
        Map<Integer, String> out = new TreeMap<>();
        for (Element p : Xml.children(Xml.child(root, "PARAMETERS").orElse(null), "PARAMETER")) {
            String type = Xml.text(p, "TYPE");
            int position = Xml.intText(p, -1, "POSITION");
            if (position < 1 || !(type.equals("IN") || type.equals("OUT"))) {
                throw new BadInputException("$API: a PARAMETER without a POSITION >= 1 and TYPE IN or OUT");
            }
            Map<Integer, String> target = type.equals("IN") ? in : out;
            if (target.put(position, Xml.rawText(p, "VALUE")) != null) {
                throw new BadInputException("$API: " + type + " parameter " + position + " appears twice");
            }
        }
        return new CallInfo(result.equals("1"), in, out, Xml.child(root, "EXTRA").orElse(null));
    }

    /**
     * When the document is broken, its values are the raw text oned copied in: every {@code &},
     * {@code <} and {@code >} in them is literal, so all are escaped (text a user typed as {@code &amp;}
     * stays that text).
     */
    static String escapeRawValues(String xml) {
        Matcher m = RAW_VALUE.matcher(xml);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String v = m.group(2).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
            m.appendReplacement(b, Matcher.quoteReplacement(m.group(1) + v + m.group(3)));
        }
        m.appendTail(b);
        return b.toString();
    }

    /** RESULT 1: oned carried the call out (for migrate: queued the move). */
    public boolean success() {
        return success;
    }

    public Optional<String> in(int position) {
        return Optional.ofNullable(in.get(position));
    }

    public Optional<String> out(int position) {
        return Optional.ofNullable(out.get(position));
    }

    /** A required integer IN parameter (ids): bad input when absent or not a number. */
    public int inInt(int position, String what) {
        return integer(in(position).orElseThrow(() -> new BadInputException(
                "$API has no IN parameter " + position + " (" + what + ")")), "IN", position, what);
    }

    /** An optional integer IN parameter: trailing ones may be left out by the client. */
    public int inInt(int position, String what, int dflt) {
        return in(position).map(v -> integer(v, "IN", position, what)).orElse(dflt);
    }

    /** A boolean IN parameter: oned writes booleans as 1 or 0. */
    public boolean inBool(int position, String what, boolean dflt) {
        Optional<String> v = in(position).map(String::strip);
        if (v.isEmpty()) {
            return dflt;
        }
        return switch (v.get()) {
            case "1", "true" -> true;
            case "0", "false" -> false;
            default -> throw new BadInputException("$API IN parameter " + position + " (" + what
                    + ") is not a boolean: '" + oneLine(v.get()) + "'");
        };
    }

    public int outInt(int position, String what) {
        return integer(out(position).orElseThrow(() -> new BadInputException(
                "$API has no OUT parameter " + position + " (" + what + ")")), "OUT", position, what);
    }

    /** The first element inside EXTRA with this name (allocate: the new {@code <VM>}). */
    public Optional<Element> extra(String name) {
        return Xml.child(extra, name);
    }

    private static int integer(String v, String type, int position, String what) {
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new BadInputException("$API " + type + " parameter " + position + " (" + what + ") is not a number: '"
                    + oneLine(v) + "'");
        }
    }

    static String oneLine(String s) {
        String flat = s.replaceAll("[\\p{Cntrl}]+", " ").strip();
        return flat.length() <= 120 ? flat : flat.substring(0, 120) + "…";
    }
}
