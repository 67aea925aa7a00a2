package io.onehaul.progress;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads single attributes with double-quoted values the way oned 7.x does, to check what we write against
 * it: {@code src/parsers/template_parser.l} takes the longest {@code "([^"]|\")*"} (so the value ends at
 * the first quote not preceded by a backslash), a line holding {@code ]]>} aborts the parse, and
 * {@code template_syntax.y}'s {@code unescape} turns {@code \"} into {@code "} and nothing else.
 */
final class OnedTemplateReader {
    private OnedTemplateReader() {}

    static Map<String, String> read(String template) {
        if (template.contains("]]>")) {
            throw new IllegalArgumentException("oned refuses a template with ]]>");
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        int i = 0;
        while (true) {
            i = skipBlanks(template, i);
            if (i >= template.length()) {
                return attributes;
            }
            int nameStart = i;
            while (i < template.length() && (Character.isLetterOrDigit(template.charAt(i)) || template.charAt(i) == '_')) {
                i++;
            }
            String name = template.substring(nameStart, i);
            i = skipBlanks(template, i);
            expect(template, i++, '=');
            i = skipBlanks(template, i);
            expect(template, i++, '"');
            int close = closingQuote(template, i);
            attributes.put(name, template.substring(i, close).replace("\\\"", "\""));
            i = close + 1;
        }
    }

    /** The longest match: the first quote without a backslash before it, else the last escaped one. */
    private static int closingQuote(String t, int from) {
        int lastQuote = -1;
        for (int j = from; j < t.length(); j++) {
            if (t.charAt(j) == '"') {
                lastQuote = j;
                if (j == from || t.charAt(j - 1) != '\\') {
                    return j;
                }
            }
        }
        if (lastQuote < 0) {
            throw new IllegalArgumentException("a value that never ends: " + t.substring(from));
        }
        return lastQuote;
    }

    private static int skipBlanks(String t, int i) {
        while (i < t.length() && Character.isWhitespace(t.charAt(i))) {
            i++;
        }
        return i;
    }

    private static void expect(String t, int i, char c) {
        if (i >= t.length() || t.charAt(i) != c) {
            throw new IllegalArgumentException("expected " + c + " at " + i + " in " + t);
        }
    }
}
