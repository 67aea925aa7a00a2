package io.onehaul.lxc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NetworkAnnouncementTest {
    @Test
    void every_announcement_is_sent_from_inside_the_container_network_namespace() {
        String cmd = NetworkAnnouncement.command("/var/lib/lxc", "one-7");
        // in the host's namespace "eth0" is the host's own NIC: announcing there claims the address for the host
        assertTrue(cmd.contains("nsenter -t \"$p\" -n arping -q -U -c 2"), cmd);
        assertTrue(cmd.contains("nsenter -t \"$p\" -n ping -6"), cmd);
    }

    @Test
    void it_runs_detached_so_the_freeze_never_waits_for_it_and_names_are_quoted() {
        String cmd = NetworkAnnouncement.command("/var/lib/lxc path", "one-7");
        assertTrue(cmd.startsWith("{ setsid sh -c ") && cmd.endsWith(" </dev/null >/dev/null 2>&1 & }"), cmd);
        assertTrue(cmd.contains("-P '\\''/var/lib/lxc path'\\''"), cmd);
    }
}
