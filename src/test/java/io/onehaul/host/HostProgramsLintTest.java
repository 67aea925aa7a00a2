package io.onehaul.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.onehaul.testsupport.Proc;
import io.onehaul.testsupport.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The programs the driver sends to hosts (src/main/resources, *.sh and *.pl) pass shellcheck and
 * {@code perl -c}: they are files so that they can be checked, and this checks them.
 */
class HostProgramsLintTest {
    private static List<Path> programs(String suffix) throws Exception {
        try (Stream<Path> s = Files.walk(Repo.root().resolve("src/main/resources"))) {
            return s.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }

    @Test
    void every_shell_program_passes_shellcheck() throws Exception {
        assumeTrue(Proc.sh("command -v shellcheck", 10).exit() == 0,
                "skipped: shellcheck is not installed (bash testbed/install-deps.sh installs it)");
        List<Path> sh = programs(".sh");
        assertFalse(sh.isEmpty());
        List<String> cmd = new ArrayList<>(List.of("shellcheck", "--format=gcc"));
        sh.forEach(p -> cmd.add(p.toString()));
        Proc.Result r = Proc.run(cmd, Repo.root(), Map.of(), new byte[0], 120);
        assertEquals(0, r.exit(), r.stdout() + r.stderr());
    }

    @Test
    void every_perl_program_compiles() throws Exception {
        List<Path> pl = programs(".pl");
        assertFalse(pl.isEmpty());
        for (Path p : pl) {
            Proc.Result r = Proc.run(List.of("perl", "-c", p.toString()), Repo.root(), Map.of(), new byte[0], 60);
            assertEquals(0, r.exit(), p + ": " + r.stderr());
        }
    }
}
