package io.onehaul.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.opennebula.BadInputException;
import io.onehaul.transfer.PathChoice.Path;
import io.onehaul.transfer.PathChoice.Reach;
import io.onehaul.transfer.PathChoice.Setting;
import org.junit.jupiter.api.Test;

/** Direct where the source reaches the destination, the front-end's relay where it cannot. */
class PathChoiceTest {
    @Test
    void networkFailuresAreUnreachableButSshRefusalsAreNot() {
        assertEquals(Reach.REACHABLE, PathChoice.classify(0, ""));
        assertEquals(Reach.UNREACHABLE, PathChoice.classify(255, "ssh: connect to host h3 port 22: Connection timed out"));
        assertEquals(Reach.UNREACHABLE, PathChoice.classify(255, "ssh: connect to host h3 port 22: No route to host"));
        assertEquals(Reach.UNREACHABLE, PathChoice.classify(255, "ssh: Could not resolve hostname h3: Name or service not known"));
        assertEquals(Reach.REFUSED, PathChoice.classify(255, "Host key verification failed."));
        assertEquals(Reach.REFUSED, PathChoice.classify(255, "root@h3: Permission denied (publickey)."));
    }

    @Test
    void autoGoesDirectWhereItCanAndRelaysWhereItCannot() {
        assertEquals(Path.DIRECT, PathChoice.choose(Setting.AUTO, Reach.REACHABLE, "h1", "h2", "").path());
        var relay = PathChoice.choose(Setting.AUTO, Reach.UNREACHABLE, "h1", "h3", "Connection timed out");
        assertEquals(Path.RELAY, relay.path());
        assertTrue(relay.reason().contains("h3 is not reachable from h1 (Connection timed out)"), relay.reason());
    }

    @Test
    void aRefusedLoginNeverFallsBackToTheRelay() {
        var e = assertThrows(PathChoice.PathRefusedException.class,
                () -> PathChoice.choose(Setting.AUTO, Reach.REFUSED, "h1", "h2", "Host key verification failed."));
        assertTrue(e.getMessage().contains("fix the host key"), e.getMessage());
    }

    @Test
    void theOperatorCanForbidOrForceTheRelay() {
        assertThrows(PathChoice.PathRefusedException.class,
                () -> PathChoice.choose(Setting.DIRECT, Reach.UNREACHABLE, "h1", "h3", "No route to host"));
        assertEquals(Path.RELAY, PathChoice.choose(Setting.RELAY, Reach.REACHABLE, "h1", "h2", "").path());
        assertEquals(Setting.AUTO, Setting.parse("", "host h3"));
        assertEquals(Setting.RELAY, Setting.parse(" Relay ", "host h3"));
        var bad = assertThrows(BadInputException.class, () -> Setting.parse("proxy", "host h3"));
        assertTrue(bad.getMessage().contains("host h3: ONEHAUL_TRANSFER_PATH must be auto, direct or relay"), bad.getMessage());
    }
}
