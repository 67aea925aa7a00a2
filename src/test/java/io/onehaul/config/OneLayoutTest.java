package io.onehaul.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver finds its config and its default paths in the OpenNebula it runs in: oned hands every
 * driver and hook its environment, ONE_LOCATION included when OpenNebula is self-contained.
 */
class OneLayoutTest {
    @TempDir Path tmp;

    @Test
    void without_one_location_every_path_is_the_system_wide_one() {
        OneLayout l = OneLayout.from(Map.of());
        assertFalse(l.selfContained());
        assertEquals("/etc/one/onehaul.conf", l.path("/etc/one/onehaul.conf"));
        assertEquals("/var/lib/one/datastores", l.path("/var/lib/one/datastores"));
        assertFalse(OneLayout.from(Map.of("ONE_LOCATION", "  ")).selfContained());
    }

    @Test
    void with_one_location_paths_map_as_openNebulas_own_install_lays_them_out() {
        OneLayout l = OneLayout.from(Map.of("ONE_LOCATION", "/opt/one/"));
        assertTrue(l.selfContained());
        assertEquals("/opt/one/etc/onehaul.conf", l.path("/etc/one/onehaul.conf"));
        assertEquals("/opt/one/etc/onehaul/pca/pca.crt", l.path("/etc/one/onehaul/pca/pca.crt"));
        assertEquals("/opt/one/var/datastores", l.path("/var/lib/one/datastores"));
        assertEquals("/opt/one/var/remotes/hooks", l.path("/var/lib/one/remotes/hooks"));
        assertEquals("/opt/one/var/onehaul-audit.jsonl", l.path("/var/log/one/onehaul-audit.jsonl"));
        assertEquals("/opt/one/lib/onehaul", l.path("/usr/lib/one/onehaul"));
        assertEquals("/usr/share/lxc/config/common.conf", l.path("/usr/share/lxc/config/common.conf"), "not OpenNebula's");
        assertEquals("/etc/oneother", l.path("/etc/oneother"), "a prefix only at a path boundary");
    }

    @Test
    void the_config_of_a_self_contained_openNebula_is_read_from_its_etc_and_its_defaults_follow_it() throws Exception {
        Path one = Files.createDirectories(tmp.resolve("one/etc"));
        Files.writeString(one.resolve("onehaul.conf"), "ssh.user = root\n");
        OneHaulConfig c = OneHaulConfig.load(Map.of("ONE_LOCATION", tmp.resolve("one").toString(), "HOME", tmp.toString()));
        assertEquals("root", c.sshUser(), "read from $ONE_LOCATION/etc/onehaul.conf");
        assertEquals(tmp.resolve("one") + "/var/datastores", c.datastoreLocation());
        assertEquals(tmp.resolve("one") + "/var", c.logDir());
        assertEquals(tmp.resolve("one/etc/onehaul/pca/pca.crt"), c.policyTrustAnchor());
        assertEquals(tmp.resolve("one/var/onehaul-audit.jsonl"), c.auditLog());
    }

    @Test
    void onehaul_conf_given_explicitly_wins_over_the_layout() throws Exception {
        Path f = Files.writeString(tmp.resolve("x.conf"), "ssh.user = explicit\ndatastore.location = /srv/ds\n");
        OneHaulConfig c = OneHaulConfig.load(Map.of("ONE_LOCATION", "/opt/one", "ONEHAUL_CONF", f.toString()));
        assertEquals("explicit", c.sshUser());
        assertEquals("/srv/ds", c.datastoreLocation(), "a value set in the file wins over the layout's default");
    }
}
