package io.onehaul.scripts;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.onehaul.testsupport.Proc;
import io.onehaul.testsupport.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scripts this issue added refuse malformed arguments with a message that says what is wrong, before they
 * build, bring up or take down anything.
 */
class ScriptsBadInputTest {
    @TempDir Path dir;

    private static Proc.Result run(String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of("bash", Repo.root().resolve(script).toString()));
        cmd.addAll(List.of(args));
        return Proc.run(cmd, Repo.root(), Map.of(), new byte[0], 60);
    }

    private static void refused(Proc.Result r, String... anyOf) {
        assertNotEquals(0, r.exit(), r.stdout() + r.stderr());
        boolean named = false;
        for (String s : anyOf) {
            named |= r.stderr().contains(s);
        }
        assertTrue(named, "expected one of " + List.of(anyOf) + " in: " + r.stderr());
    }

    @Test
    void the_image_builder_refuses_an_unknown_flavour_a_wrong_file_name_and_an_unreadable_key_and_builds_nothing() {
        Path out = dir.resolve("x.ext4");
        refused(run("testbed/images/debian12.sh", "build", "alpine", out.toString()), "flavour must be systemd or services");
        refused(run("testbed/images/debian12.sh", "build", "services", dir.resolve("x.img").toString()), "must end in .ext4");
        refused(run("testbed/images/debian12.sh", "build", "services", out.toString(), "--authorized-key",
                dir.resolve("missing.pub").toString()), "cannot read");
        refused(run("testbed/images/debian12.sh", "make", "services", out.toString()), "usage:");
        refused(run("testbed/images/debian12.sh"), "usage:");
        assertFalse(Files.exists(out), "nothing was built");
    }

    @Test
    void the_services_bench_refuses_an_unknown_mode_flavour_or_run_count_before_touching_the_test_bed() {
        refused(run("bench/services.sh", "--modes", "teleport"), "unknown mode 'teleport'");
        refused(run("bench/services.sh", "--flavour", "alpine"), "--flavour must be services or systemd");
        refused(run("bench/services.sh", "0"), "RUNS must be 1..99");
        refused(run("bench/services.sh", "--bogus"), "unknown option --bogus");
    }

    @Test
    void the_test_bed_refuses_a_host_command_without_a_host_or_with_an_unknown_one() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "testbed.sh host needs root (it checks that first)");
        // a bed's published env in a scratch state dir: the arguments are checked against it, nothing else is touched
        Files.writeString(dir.resolve("env"), "TB_HOSTS=h1 h2\n");
        Map<String, String> env = Map.of("ONEHAUL_TESTBED_DIR", dir.toString());
        Path script = Repo.root().resolve("testbed/testbed.sh");
        Proc.Result unknown = Proc.run(List.of("bash", script.toString(), "host", "h99", "down"), Repo.root(), env, new byte[0], 60);
        refused(unknown, "no such host: h99");
        Proc.Result partOfAName = Proc.run(List.of("bash", script.toString(), "host", "h", "down"), Repo.root(), env, new byte[0], 60);
        refused(partOfAName, "no such host: h");
        Proc.Result noAction = Proc.run(List.of("bash", script.toString(), "host", "h1"), Repo.root(), env, new byte[0], 60);
        refused(noAction, "testbed.sh host HOST down|up");
        Proc.Result badAction = Proc.run(List.of("bash", script.toString(), "host", "h1", "sideways"), Repo.root(), env,
                new byte[0], 60);
        refused(badAction, "testbed.sh host HOST down|up");
        try (var files = Files.list(dir)) {
            assertTrue(files.map(p -> p.getFileName().toString()).toList().equals(List.of("env")), "nothing was made");
        }
    }

    private static Proc.Result runWith(Map<String, String> env, String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of("bash", Repo.root().resolve(script).toString()));
        cmd.addAll(List.of(args));
        return Proc.run(cmd, Repo.root(), env, new byte[0], 60);
    }

    @Test
    void the_second_bed_settings_and_the_guest_refuse_bad_values_before_doing_anything() {
        // testbed.sh checks its settings before any command: the front-end's bed is not looked at
        refused(runWith(Map.of("ONEHAUL_TESTBED_NET", "10.233.1.0/24"), "testbed/testbed.sh", "status"),
                "ONEHAUL_TESTBED_NET must be like 10.231.0");
        refused(runWith(Map.of("ONEHAUL_TESTBED_HOST_PREFIX", "g-"), "testbed/testbed.sh", "status"),
                "ONEHAUL_TESTBED_HOST_PREFIX must be lower-case letters");
        Map<String, String> scratch = Map.of("ONEHAUL_GUEST_DIR", dir.resolve("guest").toString());
        refused(runWith(Map.of("ONEHAUL_GUEST_HOSTS", "x"), "testbed/guest.sh", "up"), "ONEHAUL_GUEST_HOSTS must be 0..20");
        refused(runWith(Map.of("ONEHAUL_GUEST_SMP", "4"), "testbed/guest.sh", "up"), "ONEHAUL_GUEST_SMP must be 1 or 2");
        refused(runWith(Map.of("ONEHAUL_GUEST_MEM_MB", "100"), "testbed/guest.sh", "up"), "ONEHAUL_GUEST_MEM_MB must be >= 512");
        refused(runWith(scratch, "testbed/guest.sh", "exec", "g1", "true"), "guest.sh exec HOST -- CMD");
        refused(runWith(scratch, "testbed/guest.sh", "exec", "g1", "--", "true"), "no guest is running");
        refused(runWith(scratch, "testbed/guest.sh", "up", "now"), "guest.sh up");
        refused(runWith(scratch, "testbed/guest.sh"), "guest.sh up");
        assertFalse(Files.exists(dir.resolve("guest")), "nothing was made");
    }
}
