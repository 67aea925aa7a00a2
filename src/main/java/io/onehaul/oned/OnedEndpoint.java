package io.onehaul.oned;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Where oned listens and the session ("user:password" or "user:token") to send with every call.
 *
 * <p>Discovery follows the OpenNebula tools (Ruby OCA {@code client.rb}, Java OCA {@code Client}):
 * explicit values first; endpoint from {@code $ONE_XMLRPC}, {@code ~/.one/one_endpoint},
 * {@code /var/lib/one/.one/one_endpoint}, else {@value #DEFAULT_URL}; session from the file named by
 * {@code $ONE_AUTH}, {@code ~/.one/one_auth}, {@code /var/lib/one/.one/one_auth}, first line trimmed.
 * Environment and home directories are parameters so tests never read the real machine.
 *
 * <p>The session is package-private and kept out of {@link #toString()} and every message.
 */
public final class OnedEndpoint {
    public static final String DEFAULT_URL = "http://localhost:2633/RPC2";
    /** oneadmin's home: the last fallback of the Ruby tools, which drivers and hooks run as. */
    static final Path ONEADMIN_HOME = Path.of("/var/lib/one");
    private static final long MAX_FILE_BYTES = 64 * 1024;

    private final URL url;
    private final String session;

    private OnedEndpoint(URL url, String session) {
        this.url = url;
        this.session = session;
    }

    /** Both values explicit (e.g. from the CLI); nothing is read from the environment. */
    public static OnedEndpoint of(String url, String session) {
        if (isBlank(url) || isBlank(session)) {
            throw OnedException.configuration("oned endpoint URL and session must both be given");
        }
        return new OnedEndpoint(parseUrl(url.trim(), "explicit endpoint"), checkSession(session.trim(), "the explicit session"));
    }

    /** Discovery from the real process environment and home directory. */
    public static OnedEndpoint discover() {
        Map<String, String> env = System.getenv();
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        return discover(null, null, env, isBlank(home) ? null : Path.of(home));
    }

    /**
     * Discovery with explicit values (null or blank = not given), an environment map and a home
     * directory (null = none).
     */
    public static OnedEndpoint discover(String explicitUrl, String explicitSession, Map<String, String> env, Path home) {
        return discover(explicitUrl, explicitSession, env, home, ONEADMIN_HOME);
    }

    static OnedEndpoint discover(String explicitUrl, String explicitSession, Map<String, String> env, Path home,
                                 Path oneadminHome) {
        Objects.requireNonNull(env, "env");
        return new OnedEndpoint(discoverUrl(explicitUrl, env, home, oneadminHome),
                discoverSession(explicitSession, env, home, oneadminHome));
    }

    private static URL discoverUrl(String explicit, Map<String, String> env, Path home, Path oneadminHome) {
        if (!isBlank(explicit)) {
            return parseUrl(explicit.trim(), "explicit endpoint");
        }
        String fromEnv = env.get("ONE_XMLRPC");
        if (!isBlank(fromEnv)) {
            return parseUrl(fromEnv.trim(), "$ONE_XMLRPC");
        }
        for (Path f : candidates(home, oneadminHome, "one_endpoint")) {
            if (Files.exists(f)) {
                return parseUrl(firstLine(f, "one_endpoint file"), "one_endpoint file " + f);
            }
        }
        return parseUrl(DEFAULT_URL, "default endpoint");
    }

    private static String discoverSession(String explicit, Map<String, String> env, Path home, Path oneadminHome) {
        if (!isBlank(explicit)) {
            return checkSession(explicit.trim(), "the explicit session");
        }
        // A set $ONE_AUTH is honoured or fails: falling back to another file could silently log in
        // as a different user than the operator asked for (the Java OCA behaves the same way).
        String named = env.get("ONE_AUTH");
        if (!isBlank(named)) {
            Path f = Path.of(named.trim());
            return checkSession(firstLine(f, "ONE_AUTH file"), "ONE_AUTH file " + f);
        }
        Path[] files = candidates(home, oneadminHome, "one_auth");
        for (Path f : files) {
            if (Files.exists(f)) {
                return checkSession(firstLine(f, "ONE_AUTH file"), "ONE_AUTH file " + f);
            }
        }
        StringBuilder tried = new StringBuilder("$ONE_AUTH (unset)");
        for (Path f : files) {
            tried.append(", ").append(f);
        }
        throw OnedException.configuration("ONE_AUTH file not present: tried " + tried);
    }

    private static Path[] candidates(Path home, Path oneadminHome, String name) {
        Path sys = oneadminHome.resolve(".one").resolve(name);
        if (home == null) {
            return new Path[] {sys};
        }
        Path mine = home.resolve(".one").resolve(name);
        return mine.equals(sys) ? new Path[] {sys} : new Path[] {mine, sys};
    }

    /** First line, trimmed. The content never goes into a message: for one_auth it is the secret. */
    private static String firstLine(Path f, String what) {
        if (!Files.exists(f)) {
            throw OnedException.configuration(what + " " + f + " not present");
        }
        String text;
        try {
            if (!Files.isRegularFile(f) || Files.size(f) > MAX_FILE_BYTES) {
                throw OnedException.configuration(what + " " + f + " unreadable: not a regular file of at most 64 KiB");
            }
            text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw OnedException.configuration(what + " " + f + " unreadable: " + e.getClass().getSimpleName());
        }
        int nl = text.indexOf('\n');
        String line = (nl < 0 ? text : text.substring(0, nl)).trim();
        if (line.isEmpty()) {
            throw OnedException.configuration(what + " " + f + " is empty (first line blank)");
        }
        return line;
    }

    private static String checkSession(String session, String source) {
        int colon = session.indexOf(':');
        if (colon <= 0 || colon == session.length() - 1) {
            throw OnedException.configuration(source + " does not hold \"user:password\" on its first line");
        }
        return session;
    }

    private static URL parseUrl(String s, String source) {
        try {
            URI uri = new URI(s);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                throw OnedException.configuration(source + " is not an http(s) URL with a host: " + redactUrl(s));
            }
            return uri.toURL();
        } catch (URISyntaxException | MalformedURLException | IllegalArgumentException e) {
            throw OnedException.configuration(source + " is not a valid URL: " + redactUrl(s));
        }
    }

    /** A URL may carry "user:pass@"; never show that part. */
    static String redactUrl(String s) {
        return s.replaceAll("//[^/@]*@", "//***@");
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    public URL url() {
        return url;
    }

    /** The oned user name (the session's part before ':'); safe to log. */
    public String user() {
        return session.substring(0, session.indexOf(':'));
    }

    /** The full session string, sent as the first parameter of every call. Not for logging. */
    String session() {
        return session;
    }

    /** The URL as it may appear in messages: without user info. */
    public String displayUrl() {
        return redactUrl(url.toString());
    }

    @Override
    public String toString() {
        return displayUrl() + " as " + user();
    }
}
