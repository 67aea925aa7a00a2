package io.onehaul.hooks;

/**
 * One single-valued attribute in OpenNebula template syntax, for {@code one.vm.update} in merge mode:
 * {@code NAME = "value"}. Merge replaces the named attributes only; a vector attribute would be replaced
 * whole (losing sub-attributes sent by nobody), which is why hooks only ever send single values.
 *
 * <p>oned's template parser ({@code src/parsers/template_parser.l}, {@code template_syntax.y}) reads a
 * double-quoted value up to the next {@code "} not preceded by a backslash, turns {@code \"} into
 * {@code "} and leaves every other backslash as it is, and refuses a value containing {@code ]]>}.
 * So only quotes are escaped: what is written reads back as the same text, which is what stops the
 * sched-requirements hook from rewriting its own value forever.
 */
final class TemplateText {
    private TemplateText() {}

    static String attribute(String name, String value) {
        if (!name.matches("[A-Z][A-Z0-9_]*")) {
            throw new IllegalArgumentException("not a template attribute name: " + name);
        }
        String v = value.replaceAll("[\\r\\n]+", " ").replace("]]>", "]] >").replace("\"", "\\\"");
        if (v.endsWith("\\")) {
            v = v + " "; // a final backslash would escape the closing quote
        }
        return name + " = \"" + v + "\"";
    }
}
