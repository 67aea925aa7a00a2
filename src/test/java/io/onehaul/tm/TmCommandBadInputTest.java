package io.onehaul.tm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.cli.CliEnvironment;
import io.onehaul.cli.OneHaul;
import io.onehaul.testsupport.DriverHarness;
import io.onehaul.testsupport.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code onehaul tm ...} turns bad input into exit 2 and one plain reason line, before any host is
 * contacted: the config names no reachable host and no known_hosts, so any attempt would be exit 1.
 */
class TmCommandBadInputTest {
    @TempDir Path tmp;
    Path conf;

    @BeforeEach
    void config() throws Exception {
        conf = tmp.resolve("onehaul.conf");
        Files.writeString(conf, "log.dir = " + tmp + "\nssh.known_hosts = " + tmp.resolve("no-known-hosts") + "\n"
                + "ssh.connect_timeout_seconds = 1\n");
    }

    @AfterEach
    void restore() {
        CliEnvironment.reset();
    }

    record Run(int exit, String stdout, String stderr) {}

    Run run(byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliEnvironment.use(new CliEnvironment(new ByteArrayInputStream(stdin), new PrintStream(out, true),
                new PrintStream(err, true), Map.of("ONEHAUL_CONF", conf.toString(), "HOME", tmp.toString())));
        int rc = OneHaul.run(args);
        return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    Run tm(String... args) {
        List<String> all = new ArrayList<>(List.of("tm"));
        all.addAll(List.of(args));
        return run(new byte[0], all.toArray(String[]::new));
    }

    static void assertBadInput(Run r, String action, String reason) {
        assertEquals(2, r.exit(), r.stderr());
        List<String> lines = r.stderr().lines().toList();
        assertEquals(1, lines.size(), "exactly one plain reason line: " + r.stderr());
        assertTrue(lines.get(0).startsWith(action + ": bad input: "), lines.get(0));
        assertTrue(lines.get(0).contains(reason), lines.get(0));
        assertEquals("", r.stdout());
    }

    @Test
    void every_action_refuses_a_wrong_argument_count() {
        for (String action : List.of("mv", "delete", "mkimage", "mkswap", "clone", "ln", "context")) {
            assertBadInput(tm(action, "h1:/var/lib/one/datastores/100/300"), action, "arguments");
        }
        for (String action : List.of("premigrate", "postmigrate", "failmigrate")) {
            assertBadInput(tm(action, "h1", "h2"), action, "expects 5 or 6 arguments");
        }
    }

    @Test
    void a_path_outside_the_datastore_or_with_traversal_is_refused_before_any_host_is_contacted() {
        assertBadInput(tm("delete", "h1:/etc", "300", "100"), "delete", "not under the datastore location");
        assertBadInput(tm("delete", "h1:/var/lib/one/datastores/100/300/../../../etc", "300", "100"), "delete",
                "plain absolute path");
        assertBadInput(tm("mv", "h1:/var/lib/one/datastores/100/300", "h2:var/lib/one/datastores/100/300", "300", "100"),
                "mv", "plain absolute path");
        assertBadInput(tm("mkimage", "16", "raw", "h1:/var/lib/one/datastores/100/301/disk.1", "300", "100"), "mkimage",
                "folder of VM 301");
        assertBadInput(tm("context", "/var/lib/one/vms/300/context.sh", "h1;id:/var/lib/one/datastores/100/300/disk.2",
                "300", "100"), "context", "not a valid host name");
    }

    @Test
    void a_leading_dash_word_is_bad_input_not_an_option() {
        Run r = tm("delete", "--force", "300", "100");
        assertEquals(2, r.exit(), r.stderr());
    }

    @Test
    void the_migrate_steps_refuse_stdin_that_is_missing_or_describes_another_vm() {
        String vm = Fixtures.text("0005-tm-premigrate.stdin.xml");
        String[] argv = {"tm", "postmigrate", "h1", "h2", "/var/lib/one/datastores/100/300", "300", "100"};
        Run empty = run(new byte[0], argv);
        assertEquals(2, empty.exit(), empty.stderr());
        assertTrue(empty.stderr().contains("stdin is empty"), empty.stderr());

        Run other = run(DriverHarness.encode(vm), argv);
        assertBadInput(other, "postmigrate", "argv names VM 300 but stdin describes VM 3");

        Run notBase64 = run("%%%".getBytes(StandardCharsets.UTF_8), argv);
        assertEquals(2, notBase64.exit(), notBase64.stderr());
    }

    @Test
    void a_valid_line_gets_past_validation_and_fails_plainly_on_the_unreachable_host() {
        Run r = tm("delete", "nohost.invalid:/var/lib/one/datastores/100/300", "300", "100");
        assertEquals(1, r.exit(), r.stderr());
        assertTrue(r.stderr().startsWith("delete: nohost.invalid: "), r.stderr());
    }

    @Test
    void a_bad_transfer_setting_refuses_the_copy_before_any_host_is_contacted() throws Exception {
        Files.writeString(conf, "transfer.bwlimit_mbit = -3\n", java.nio.file.StandardOpenOption.APPEND);
        // a valid line to an unreachable host: exit 1 once it tries to connect (see the test below)
        assertBadInput(tm("mv", "nohost.invalid:/var/lib/one/datastores/100/300",
                "nohost.invalid:/var/lib/one/datastores/101/300", "300", "101"), "mv", "transfer.bwlimit_mbit");
    }

    @Test
    void an_unknown_tm_action_is_bad_input() {
        assertEquals(2, tm("snap_create", "h1:/var/lib/one/datastores/100/300/disk.0", "0", "300", "100").exit());
    }

    @Test
    void settle_refuses_malformed_argv_before_any_host_or_claim() {
        assertBadInput(tm("settle", "h1", "h2"), "settle", "5 or 6");
        assertBadInput(tm("settle", "h1", "h2", "/etc", "300", "100"), "settle", "new_sysdir");
        assertBadInput(tm("settle", "h1", "h1", "/var/lib/one/datastores/100/300", "300", "100"), "settle",
                "a migration between two hosts");
        assertBadInput(tm("settle", "h1", "h2", "/var/lib/one/datastores/100/300", "300", "100", "ssh"), "settle",
                "without a caller TM");
        assertBadInput(tm("settle", "h1;touch /tmp/x", "h2", "/var/lib/one/datastores/100/300", "300", "100"),
                "settle", "");
    }

    @Test
    void a_datastore_location_that_is_not_a_plain_path_is_bad_input() throws Exception {
        Files.writeString(conf, Files.readString(conf) + "datastore.location = /var/lib/one/$(touch x)\n");
        assertBadInput(tm("settle", "h1", "h2", "/var/lib/one/datastores/100/300", "300", "100"), "settle",
                "datastore.location must be a plain absolute path");
    }
}
