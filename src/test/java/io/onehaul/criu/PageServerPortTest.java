package io.onehaul.criu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostShell;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Parallel migrations of different VMs never choose the same page-service port from their own probes. */
class PageServerPortTest {
    /** A host where the ports in {@code busy} listen. */
    record Ports(Set<Integer> busy) implements HostShell {
        @Override public String host() { return "h"; }

        @Override public CommandResult run(String command, byte[] stdin, Duration timeout) {
            int port = Integer.parseInt(command.replaceAll(".*sport = :(\\d+).*", "$1"));
            return new CommandResult(0, busy.contains(port) ? "busy\n" : "free\n", "", Duration.ZERO);
        }

        @Override public void close() {}
    }

    @Test
    void each_vm_has_its_own_port_in_each_range() {
        Ports free = new Ports(Set.of());
        Set<Integer> chosen = new HashSet<>();
        IntStream.of(730, 731, 732, 733).forEach(vmid -> {
            chosen.add(PageServer.freePort(free, free, PageServer.PAGE_SERVER_PORTS, vmid));
            chosen.add(PageServer.freePort(free, free, PageServer.LAZY_PAGE_PORTS, vmid));
        });
        assertEquals(8, chosen.size(), "four migrations at once, each with a page server and a lazy service: " + chosen);
        assertEquals(27730, PageServer.freePort(free, free, PageServer.PAGE_SERVER_PORTS, 730));
        assertEquals(29000 + 2730 % 2000, PageServer.freePort(free, free, PageServer.LAZY_PAGE_PORTS, 2730));
    }

    @Test
    void a_taken_port_falls_back_to_another_of_the_same_range() {
        Ports h2 = new Ports(Set.of(27730));
        int p = PageServer.freePort(new Ports(Set.of()), h2, PageServer.PAGE_SERVER_PORTS, 730);
        assertNotEquals(27730, p);
        assertTrue(p >= 27000 && p < 29000, "in the page servers' range: " + p);
    }
}
