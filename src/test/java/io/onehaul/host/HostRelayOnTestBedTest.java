package io.onehaul.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.TestBed;
import io.onehaul.transfer.SshRoute;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A relay through the front-end: a host's ssh reaches another host by a port on its own 127.0.0.1, the
 * session stays end to end and the destination's own key is checked.
 */
@Tag("testbed")
class HostRelayOnTestBedTest {
    private static final Duration T = Duration.ofSeconds(30);
    private static final String SSH = "ssh -o BatchMode=yes -o ConnectTimeout=5";

    private static SshHostShell connect(TestBed tb, String host) {
        return SshHostShell.connect(host, new SshHostShell.Settings("root", 22, List.of(tb.frontendKey()), tb.knownHosts(),
                Duration.ofSeconds(10), ""));
    }

    @Test
    void a_host_reaches_another_through_the_front_end_and_checks_its_own_key() {
        TestBed tb = TestBed.get();
        int port;
        try (SshHostShell h1 = connect(tb, "h1"); HostRelay relay = h1.relayTo("h2", 22)) {
            port = relay.port();
            SshRoute route = SshRoute.relayed(SSH, relay, "h2");
            assertTrue(route.relayed());
            CommandResult there = h1.run(route.ssh() + " " + route.address() + " ip -4 -o addr show eth0", T);
            assertEquals(0, there.exitCode(), there.stderr());
            assertTrue(there.stdout().contains(tb.ip("h2") + "/"), "the command ran on h2: " + there.stdout());

            // the key is h2's own: claiming the relay leads to h1 fails host key verification
            CommandResult spoofed = h1.run(SSH + " -p " + port + " -o HostKeyAlias=h1 127.0.0.1 true", T);
            assertNotEquals(0, spoofed.exitCode());
            assertTrue(spoofed.stderr().contains("Host key verification failed")
                    || spoofed.stderr().contains("IDENTIFICATION HAS CHANGED"), spoofed.stderr());

            // rsync rides it like any ssh
            h1.run("rm -rf /var/tmp/one/relay-test; mkdir -p /var/tmp/one/relay-test && head -c 3M /dev/urandom > "
                    + "/var/tmp/one/relay-test/f && sha256sum < /var/tmp/one/relay-test/f > /var/tmp/one/relay-test.sum", T);
            CommandResult copy = h1.run("rsync -a -e " + Shell.quote(route.ssh()) + " /var/tmp/one/relay-test/ "
                    + route.address() + ":/var/lib/one/datastores/relay-test/", T);
            assertEquals(0, copy.exitCode(), copy.stderr());
            assertEquals(tb.execOk("h1", "cat /var/tmp/one/relay-test.sum").stdout(),
                    tb.execOk("h2", "sha256sum < /var/lib/one/datastores/relay-test/f").stdout());
        } finally {
            tb.exec("h1", "rm -rf /var/tmp/one/relay-test /var/tmp/one/relay-test.sum");
            tb.exec("h2", "rm -rf /var/lib/one/datastores/relay-test");
        }
        // closed with its connection: nothing listens there any more
        assertNotEquals(0, tb.exec("h1", "ss -ltnH 'sport = :" + port + "' | grep -q .").exit());
    }
}
