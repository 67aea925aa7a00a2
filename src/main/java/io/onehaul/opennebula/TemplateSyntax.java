package io.onehaul.opennebula;

import java.util.regex.Pattern;

/**
 * One single-valued attribute in OpenNebula template syntax, {@code NAME = "value"}, as sent to
 * {@code one.vm.update} in merge mode (merge replaces the named attributes only; a vector attribute would
 * be replaced whole, losing sub-attributes sent by nobody, so only single values are written).
 *
 * <p>oned's template parser ({@code src/parsers/template_parser.l}, {@code template_syntax.y}) reads a
 * double-quoted value up to the next {@code "} not preceded by a backslash, turns {@code \"} into
 * {@code "} and leaves every other backslash as it is (its {@code unescape} knows no {@code \\}), and
 * refuses a value containing {@code ]]>}. So only quotes are escaped: a backslash written as {@code \\}
 * would read back doubled. What is written reads back as the same text.
 */
public final class TemplateSyntax {
    private static final Pattern NAME = Pattern.compile("[A-Z][A-Z0-9_]*");

    private TemplateSyntax() {}

    public static String single(String name, String value) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a template attribute name: " + name);
        }
        String v = value.replaceAll("[\\r\\n]+", " ").replace("]]>", "]] >").replace("\"", "\\\"");
        if (v.endsWith("\\")) {
            v = v + " "; // a final backslash would escape the closing quote
        }
        return name + " = \"" + v + "\"";
    }
}
