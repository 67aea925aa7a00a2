package io.onehaul.install;

import static io.onehaul.install.InstallScriptTest.SAMPLE_ONED_CONF;
import static io.onehaul.install.InstallScriptTest.command;
import static io.onehaul.install.InstallScriptTest.run;
import static io.onehaul.install.InstallScriptTest.snapshot;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.install.InstallScriptTest.Result;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * install.sh in the two layouts OpenNebula is installed in (reference §0): the system-wide one of the
 * packages, and the self-contained one of OpenNebula's own {@code install.sh -d DIR} (ONE_LOCATION=DIR),
 * where oned reads remotes from DIR/var/remotes, its config from DIR/etc and resolves hook commands
 * against DIR/var/remotes/hooks. Anything else is refused before a file is written.
 */
class InstallLayoutsTest {
    @TempDir Path tmp;
    Path one;
    Path jar;
    byte[] originalOnedConf;

    @BeforeAll
    static void repo() {
        InstallScriptTest.locateRepo();
    }

    /** A self-contained OpenNebula as `install.sh -d` leaves it: bin, etc/oned.conf, lib/mads, var/remotes. */
    @BeforeEach
    void selfContainedOpenNebula() throws IOException {
        one = Files.createDirectories(tmp.resolve("opt/one")).toRealPath();
        for (String d : List.of("bin", "etc", "lib/mads", "var/remotes/hooks", "var/remotes/vmm", "var/vms")) {
            Files.createDirectories(one.resolve(d));
        }
        originalOnedConf = SAMPLE_ONED_CONF.getBytes(StandardCharsets.UTF_8);
        Files.write(one.resolve("etc/oned.conf"), originalOnedConf);
        jar = Files.writeString(tmp.resolve("fake-onehaul.jar"), "not really a jar\n");
    }

    Result installer(Map<String, String> env, String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--jar", jar.toString(), "--no-chown"));
        return run(tmp, command(a.toArray(String[]::new)), env, "");
    }

    String read(String rel) throws IOException {
        return Files.readString(one.resolve(rel));
    }

    void assertSelfContainedInstall(Result r) throws IOException {
        r.assertExit(0);
        assertTrue(r.out().contains("self-contained layout"), r.out());
        String shim = read("var/remotes/vmm/lxc_live/migrate");
        assertTrue(shim.contains("ONEHAUL_BIN=${ONEHAUL_BIN:-" + one + "/lib/onehaul/bin/onehaul}"), shim);
        assertTrue(Files.isRegularFile(one.resolve("lib/onehaul/onehaul.jar")));
        assertTrue(read("var/remotes/tm/onehaul/mv").contains(one + "/lib/onehaul/bin/onehaul"));
        assertTrue(read("var/remotes/hooks/onehaul/migrate-audit").contains(one + "/lib/onehaul/bin/onehaul"));
        String template = read("var/remotes/hooks/onehaul/migrate-audit.tmpl");
        assertTrue(template.contains("onehook create " + one + "/var/remotes/hooks/onehaul/migrate-audit.tmpl"), template);
        // onehem resolves a relative COMMAND against /var/lib/one/remotes/hooks even when self-contained
        assertTrue(template.contains("COMMAND         = \"" + one + "/var/remotes/hooks/onehaul/migrate-audit\""), template);
        String launcher = read("lib/onehaul/bin/onehaul");
        assertTrue(launcher.contains("\nONEHAUL_ONE_LOCATION=" + one + "\n"), "the launcher knows its OpenNebula");
        assertEquals(one.resolve("lib/onehaul/bin/onehaul"), Files.readSymbolicLink(one.resolve("bin/onehaul")),
                "onehaul on the PATH next to OpenNebula's own CLI");
        String conf = read("etc/onehaul.conf");
        assertTrue(conf.contains("\ndatastore.location = " + one + "/var/datastores\n"), conf);
        assertTrue(conf.contains("\nlog.dir = " + one + "/var\n"), conf);
        assertTrue(conf.contains("#policy.trust_anchor = " + one + "/etc/onehaul/pca/pca.crt"), conf);
        assertFalse(conf.contains("/var/lib/one") || conf.contains("/etc/one/"), "no system-wide path left: " + conf);
        String onedConf = read("etc/oned.conf");
        assertTrue(onedConf.contains("NAME           = \"lxc_live\""), onedConf);
        assertTrue(onedConf.contains(one + "/var/remotes/vmm/lxc_live/<action>"), onedConf);
        assertFalse(Files.exists(one.resolve("var/lib")) || Files.exists(one.resolve("usr")) || Files.exists(one.resolve("etc/one")),
                "nothing in the system-wide places below the self-contained directory");
    }

    @Test
    void one_location_installs_where_a_self_contained_oned_reads_remotes_config_and_hooks() throws Exception {
        assertSelfContainedInstall(installer(Map.of(), "--one-location", one.toString()));
    }

    @Test
    void the_one_location_environment_variable_selects_the_self_contained_layout_as_for_openNebulas_own_tools()
            throws Exception {
        assertSelfContainedInstall(installer(Map.of("ONE_LOCATION", one.toString())));
    }

    @Test
    void the_printed_hook_commands_point_where_oned_resolves_them() throws Exception {
        Result r = run(tmp, command("--one-location", one.toString(), "--print-hooks"), Map.of(), "");
        r.assertExit(0);
        assertTrue(r.out().contains("cd " + one + "/var/remotes/hooks/onehaul && for t in *.tmpl"), r.out());
        assertTrue(r.out().contains("COMMAND         = \"" + one + "/var/remotes/hooks/onehaul/migrate-audit\""), r.out());
        assertFalse(r.out().contains("onehook create /var/lib/one") || r.out().contains("= \"onehaul/"), r.out());
    }

    @Test
    void a_second_run_changes_no_byte_whatever_the_locale_and_uninstall_restores_everything() throws Exception {
        Map<String, String> before = snapshot(one, false);
        installer(Map.of("LANG", "en_US.UTF-8", "LC_ALL", "en_US.UTF-8"), "--one-location", one.toString()).assertExit(0);
        Map<String, String> first = snapshot(one, true);

        installer(Map.of("LANG", "C", "LC_ALL", "C"), "--one-location", one.toString()).assertExit(0);

        assertEquals(first, snapshot(one, true), "the manifest and every other file byte-identical");
        Result u = run(tmp, command("--one-location", one.toString(), "--uninstall"), Map.of(), "");
        u.assertExit(0);
        assertArrayEquals(originalOnedConf, Files.readAllBytes(one.resolve("etc/oned.conf")));
        assertEquals(before, snapshot(one, true), "exactly what was there before, less oned.conf backups");
    }

    @Test
    void the_datastore_location_oned_conf_sets_is_the_one_the_driver_expects() throws Exception {
        Files.writeString(one.resolve("etc/oned.conf"), SAMPLE_ONED_CONF + "DATASTORE_LOCATION = \"/srv/one/datastores\"\n");
        installer(Map.of(), "--one-location", one.toString()).assertExit(0);
        assertTrue(read("etc/onehaul.conf").contains("\ndatastore.location = /srv/one/datastores\n"));
    }

    @Test
    void a_self_contained_openNebula_given_as_root_is_refused_with_the_right_option_and_nothing_changes()
            throws Exception {
        // what an operator tried: it reported success and put everything where oned never looks
        Map<String, String> before = snapshot(one, false);
        Result r = installer(Map.of("ONE_LOCATION", one.toString()), "--root", one.toString(),
                "--oned-conf", one.resolve("etc/oned.conf").toString());
        r.assertExit(1);
        assertTrue(r.err().contains("self-contained OpenNebula") && r.err().contains("--one-location " + one), r.err());
        assertEquals(before, snapshot(one, false), "nothing was written");
    }

    @Test
    void a_directory_with_no_openNebula_of_either_layout_is_refused() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Result sys = installer(Map.of(), "--root", empty.toString());
        sys.assertExit(1);
        assertTrue(sys.err().contains("no OpenNebula front-end under " + empty.toRealPath()), sys.err());
        Result self = installer(Map.of(), "--one-location", empty.toString());
        self.assertExit(1);
        assertTrue(self.err().contains("is not a self-contained OpenNebula"), self.err());
        assertEquals(Map.of(), snapshot(empty, false));
    }

    @Test
    void one_location_and_root_together_are_a_usage_error() throws Exception {
        Result r = installer(Map.of(), "--one-location", one.toString(), "--root", tmp.toString());
        r.assertExit(2);
        assertTrue(r.err().contains("do not combine it with --root"), r.err());
    }

    @Test
    void the_system_wide_layout_puts_onehaul_on_the_path_and_uninstall_takes_it_away() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root/etc/one")).getParent().getParent().toRealPath();
        Files.write(root.resolve("etc/one/oned.conf"), originalOnedConf);
        installer(Map.of(), "--root", root.toString()).assertExit(0);
        assertEquals(root.resolve("usr/lib/one/onehaul/bin/onehaul"), Files.readSymbolicLink(root.resolve("usr/local/bin/onehaul")));
        assertTrue(Files.readString(root.resolve("usr/lib/one/onehaul/bin/onehaul")).contains("\nONEHAUL_ONE_LOCATION=\n"),
                "a system-wide launcher belongs to no ONE_LOCATION");
        run(tmp, command("--root", root.toString(), "--uninstall"), Map.of(), "").assertExit(0);
        assertFalse(Files.exists(root.resolve("usr/local/bin/onehaul"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }
}
