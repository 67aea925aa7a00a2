package io.onehaul.host;

import java.util.List;
import java.util.Map;

/** POSIX shell quoting: everything we send to a host goes through here. */
public final class Shell {
    private Shell() {}

    /** Single-quotes a word so that the shell passes it through unchanged, whatever it contains. */
    public static String quote(String word) {
        if (word.isEmpty()) {
            return "''";
        }
        if (word.matches("[A-Za-z0-9_./:=@%+,-]+")) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** A command line from words, each quoted. */
    public static String command(String... words) {
        return command(List.of(words));
    }

    public static String command(List<String> words) {
        StringBuilder sb = new StringBuilder();
        for (String w : words) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(quote(w));
        }
        return sb.toString();
    }

    /** {@code env K=V ...} prefix (quoted), or empty. */
    public static String envPrefix(Map<String, String> env) {
        if (env.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("env");
        env.forEach((k, v) -> sb.append(' ').append(quote(k + "=" + v)));
        return sb.append(' ').toString();
    }
}
