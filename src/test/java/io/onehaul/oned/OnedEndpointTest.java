package io.onehaul.oned;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Endpoint and ONE_AUTH discovery, with a temporary HOME and oneadmin home and an explicit environment. */
class OnedEndpointTest {
    private static final String SECRET = "oneadmin:t0p-s3cret-pw";

    @TempDir
    Path tmp;
    Path home;
    Path oneadminHome;
    final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void dirs() throws IOException {
        home = Files.createDirectories(tmp.resolve("home/alice"));
        oneadminHome = Files.createDirectories(tmp.resolve("var/lib/one"));
    }

    private static Path write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }

    private OnedEndpoint discover() {
        return OnedEndpoint.discover(null, null, env, home, oneadminHome);
    }

    private static OnedException configurationError(Executable call) {
        OnedException e = assertThrows(OnedException.class, call);
        assertEquals(OnedException.Kind.CONFIGURATION, e.kind());
        OnedFixtures.assertOperatorReadable(e, null, SECRET);
        return e;
    }

    // --- endpoint

    @Test
    void withoutAnyConfigurationTheEndpointIsLocalhostPort2633() throws IOException {
        write(home.resolve(".one/one_auth"), SECRET + "\n");

        assertEquals("http://localhost:2633/RPC2", discover().url().toString());
    }

    @Test
    void theEndpointComesFromOneXmlrpcBeforeAnyFile() throws IOException {
        write(home.resolve(".one/one_auth"), SECRET);
        write(home.resolve(".one/one_endpoint"), "http://home-file:2633/RPC2\n");
        env.put("ONE_XMLRPC", " http://frontend:2633/RPC2 ");

        assertEquals("http://frontend:2633/RPC2", discover().url().toString());
    }

    @Test
    void theEndpointFileInHomeComesBeforeOneadminsFile() throws IOException {
        write(home.resolve(".one/one_auth"), SECRET);
        write(home.resolve(".one/one_endpoint"), "  http://home-file:2633/RPC2  \r\nignored second line\n");
        write(oneadminHome.resolve(".one/one_endpoint"), "http://oneadmin-file:2633/RPC2\n");

        assertEquals("http://home-file:2633/RPC2", discover().url().toString());
    }

    @Test
    void oneadminsEndpointFileIsTheLastFallbackBeforeTheDefault() throws IOException {
        write(home.resolve(".one/one_auth"), SECRET);
        write(oneadminHome.resolve(".one/one_endpoint"), "https://oneadmin-file:2633/RPC2\n");

        assertEquals("https://oneadmin-file:2633/RPC2", discover().url().toString());
    }

    @Test
    void anExplicitEndpointAndSessionWinOverEnvironmentAndFiles() throws IOException {
        write(home.resolve(".one/one_auth"), "someone:else");
        env.put("ONE_XMLRPC", "http://frontend:2633/RPC2");
        env.put("ONE_AUTH", write(tmp.resolve("auth"), "third:one").toString());

        OnedEndpoint ep = OnedEndpoint.discover("http://explicit:2633/RPC2", SECRET, env, home, oneadminHome);

        assertEquals("http://explicit:2633/RPC2", ep.url().toString());
        assertEquals(SECRET, ep.session());
    }

    @Test
    void anEndpointThatIsNotAnHttpUrlIsAConfigurationError() throws IOException {
        write(home.resolve(".one/one_auth"), SECRET);
        env.put("ONE_XMLRPC", "localhost:2633");

        OnedException e = configurationError(this::discover);

        assertTrue(e.getMessage().contains("$ONE_XMLRPC"), e.getMessage());
    }

    @Test
    void anEmptyEndpointFileIsAConfigurationErrorNamingTheFile() throws IOException {
        write(home.resolve(".one/one_auth"), SECRET);
        Path f = write(home.resolve(".one/one_endpoint"), "\n");

        OnedException e = configurationError(this::discover);

        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void userInfoInTheEndpointUrlNeverShows() {
        OnedEndpoint ep = OnedEndpoint.of("http://proxyuser:proxypass@frontend:2633/RPC2", SECRET);

        assertEquals("http://***@frontend:2633/RPC2", ep.displayUrl());
        assertFalse(ep.toString().contains("proxypass"), ep.toString());
    }

    // --- session (ONE_AUTH)

    @Test
    void theSessionIsTheTrimmedFirstLineOfTheFileNamedByOneAuth() throws IOException {
        write(home.resolve(".one/one_auth"), "home:file");
        env.put("ONE_AUTH", write(tmp.resolve("elsewhere/auth"), "  " + SECRET + "  \r\nsecond:line\n").toString());

        OnedEndpoint ep = discover();

        assertEquals(SECRET, ep.session());
        assertEquals("oneadmin", ep.user());
    }

    @Test
    void withoutOneAuthTheSessionComesFromTheHomeFile() throws IOException {
        write(home.resolve(".one/one_auth"), SECRET + "\n");
        write(oneadminHome.resolve(".one/one_auth"), "oneadmin:other");

        assertEquals(SECRET, discover().session());
    }

    @Test
    void oneadminsAuthFileIsTheLastFallback() throws IOException {
        write(oneadminHome.resolve(".one/one_auth"), SECRET);

        assertEquals(SECRET, discover().session());
        assertEquals(SECRET, OnedEndpoint.discover(null, null, env, null, oneadminHome).session(), "also without a HOME");
    }

    @Test
    void noAuthFileAnywhereIsAConfigurationErrorListingWhatWasTried() {
        OnedException e = configurationError(this::discover);

        assertTrue(e.getMessage().startsWith("ONE_AUTH file not present"), e.getMessage());
        assertTrue(e.getMessage().contains(home.resolve(".one/one_auth").toString()), e.getMessage());
        assertTrue(e.getMessage().contains(oneadminHome.resolve(".one/one_auth").toString()), e.getMessage());
    }

    @Test
    void aOneAuthNamingAMissingFileFailsInsteadOfFallingBackToAnotherUser() throws IOException {
        write(home.resolve(".one/one_auth"), "someone:else");
        Path missing = tmp.resolve("no/such/auth");
        env.put("ONE_AUTH", missing.toString());

        OnedException e = configurationError(this::discover);

        assertEquals("ONE_AUTH file " + missing + " not present", e.getMessage());
    }

    @Test
    void anEmptyAuthFileIsAConfigurationError() throws IOException {
        Path f = write(home.resolve(".one/one_auth"), "   \nsecond:line\n");

        OnedException e = configurationError(this::discover);

        assertTrue(e.getMessage().startsWith("ONE_AUTH file " + f + " is empty"), e.getMessage());
    }

    @Test
    void anAuthPathThatIsADirectoryIsUnreadable() throws IOException {
        Path dir = Files.createDirectories(home.resolve(".one/one_auth"));

        OnedException e = configurationError(this::discover);

        assertTrue(e.getMessage().startsWith("ONE_AUTH file " + dir + " unreadable"), e.getMessage());
    }

    @Test
    void anAuthLineWithoutUserAndPasswordIsRejectedWithoutEchoingIt() throws IOException {
        String notASession = "t0p-s3cret-pw";
        write(home.resolve(".one/one_auth"), notASession + "\n");

        OnedException e = configurationError(this::discover);

        assertTrue(e.getMessage().contains("\"user:password\""), e.getMessage());
        assertFalse(e.getMessage().contains(notASession), e.getMessage());
    }

    @Test
    void theSecretAppearsInNoMessageAndNoToString() throws IOException {
        Path auth = write(home.resolve(".one/one_auth"), SECRET + "\n");
        OnedEndpoint ep = discover();
        assertFalse(ep.toString().contains("t0p-s3cret-pw"), ep.toString());
        assertTrue(ep.toString().contains("oneadmin"), ep.toString());

        // every configuration error with the secret in reach
        env.put("ONE_XMLRPC", "not a url");
        configurationError(this::discover);
        env.remove("ONE_XMLRPC");
        for (String bad : List.of("t0p-s3cret-pw", ":" + SECRET, SECRET.replace(":", "") + ":")) {
            Files.writeString(auth, bad);
            OnedException e = configurationError(this::discover);
            assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        }
        assertFalse(new OnedClient(ep).toString().contains("s3cret"));
    }

    @Test
    void explicitValuesMustBothBeGivenToSkipDiscovery() {
        configurationError(() -> OnedEndpoint.of("http://frontend:2633/RPC2", " "));
        configurationError(() -> OnedEndpoint.of(null, SECRET));
    }
}
