package io.onehaul.tm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.config.OneHaulConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TM's settings, and the rsync it runs on the front-end for clone/ln. */
class TmSettingsTest {
    @TempDir Path home;

    @Test
    void the_receiving_rsync_follows_host_sudo_unless_the_operator_names_one() {
        assertEquals("sudo -n rsync", TmSettings.remoteRsync(OneHaulConfig.of(Map.of(), home)));
        assertEquals("rsync", TmSettings.remoteRsync(OneHaulConfig.of(Map.of("host.sudo", ""), home)));
        assertEquals("doas rsync", TmSettings.remoteRsync(OneHaulConfig.of(Map.of("transfer.rsync_path", "doas rsync"),
                home)));
    }

    @Test
    void the_front_end_is_the_configured_names_or_this_machines_name_full_and_short() {
        assertEquals(Set.of("fe1", "fe1.example.org"), TmSettings.frontendNames("fe1, fe1.example.org"));
        Set<String> own = TmSettings.frontendNames("");
        assertFalse(own.isEmpty());
        assertTrue(own.stream().noneMatch(n -> n.contains(".")) || own.size() == 2, own.toString());
    }

    @Test
    void defaults_are_the_stock_datastore_location_an_hour_per_copy_and_the_shared_transfer_ssh() {
        OneHaulConfig c = OneHaulConfig.of(Map.of(), home);
        TmSettings s = TmSettings.from(c);
        assertEquals("/var/lib/one/datastores", s.datastoreLocation());
        assertEquals(Duration.ofHours(1), s.copyTimeout());
        assertEquals(c.transferSsh(), s.hostSsh(), "host-to-host copies use the shared transfer.ssh_command");
    }

    @Test
    void front_end_rsync_uses_the_java_clients_identity_known_hosts_user_and_port_strictly() throws Exception {
        Path key = Files.writeString(home.resolve("id key"), "k");
        Path known = home.resolve("known_hosts");
        FrontendRsync r = new FrontendRsync(new TmSettings.FrontendSsh("oneadmin", 2222,
                List.of(key, home.resolve("absent")), known, Duration.ofSeconds(7)), "sudo -n rsync");
        List<String> cmd = r.command("/var/lib/one/datastores/1/abc", false, "h1", "/var/lib/one/datastores/100/3/disk.0");
        assertEquals(List.of("rsync", "-aHS", "--numeric-ids"), cmd.subList(0, 3));
        String ssh = cmd.get(cmd.indexOf("-e") + 1);
        assertEquals("ssh -i '" + key + "' -o IdentitiesOnly=yes -o UserKnownHostsFile=" + known
                + " -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=7 -l oneadmin -p 2222", ssh);
        assertTrue(cmd.contains("--rsync-path=sudo -n rsync"));
        assertFalse(cmd.contains("--delete"), "a file is copied as it is");
        assertEquals(List.of("/var/lib/one/datastores/1/abc", "h1:/var/lib/one/datastores/100/3/disk.0"),
                cmd.subList(cmd.size() - 2, cmd.size()));

        List<String> folder = r.command("/images/rootfs", true, "h1", "/var/lib/one/datastores/100/3/disk.0");
        assertTrue(folder.contains("--delete"));
        assertEquals("/images/rootfs/", folder.get(folder.size() - 2), "a folder's content, mirrored");
    }
}
