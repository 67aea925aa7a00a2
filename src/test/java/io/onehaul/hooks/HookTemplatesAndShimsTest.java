package io.onehaul.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code hooks/} folder as install.sh ships it: one template per hook for {@code onehook create},
 * shaped like the recorded templates that produced the fixtures, and executable POSIX sh shims that
 * hand argv and stdin unchanged to {@code onehaul hook <name>}.
 */
class HookTemplatesAndShimsTest {
    static Path hooks;

    @TempDir Path tmp;

    @BeforeAll
    static void locate() {
        String prop = System.getProperty("onehaul.repo");
        Path repo = (prop == null || prop.isBlank() ? Path.of(System.getProperty("user.dir")) : Path.of(prop)).toAbsolutePath();
        hooks = repo.resolve("hooks");
        assertTrue(Files.isDirectory(hooks), hooks.toString());
    }

    static Stream<String> templates() throws IOException {
        try (Stream<Path> s = Files.list(hooks)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmpl")).sorted().toList().stream();
        }
    }

    /** KEY = "value" lines; # comments and blank lines skipped (what oned's template parser skips). */
    static Map<String, String> parse(Path file) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int eq = l.indexOf('=');
            assertTrue(eq > 0, file + ": " + line);
            String v = l.substring(eq + 1).strip();
            assertTrue(v.startsWith("\"") && v.endsWith("\"") && v.length() >= 2, file + ": quoted value: " + line);
            assertEquals(null, m.put(l.substring(0, eq).strip(), v.substring(1, v.length() - 1)), file + ": twice: " + line);
        }
        return m;
    }

    static Map<String, String> recorded(String name) throws IOException {
        Path p;
        try {
            p = Path.of(HookTemplatesAndShimsTest.class.getResource(HookFixtures.HOOKS + "templates/" + name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return parse(p);
    }

    @Test
    void thereIsOneTemplatePerHookEvent() throws IOException {
        Map<String, String> calls = new LinkedHashMap<>();
        for (String t : templates().toList()) {
            Map<String, String> m = parse(hooks.resolve(t));
            calls.put(m.getOrDefault("CALL", m.get("RESOURCE") + "/" + m.get("STATE") + "/" + m.get("LCM_STATE")),
                    m.get("COMMAND"));
        }
        assertEquals(Map.of("one.vm.migrate", "onehaul/migrate-audit",
                "VM/ACTIVE/RUNNING", "onehaul/placement-check",
                "one.vm.allocate", "onehaul/sched-requirements",
                "one.vm.update", "onehaul/sched-requirements",
                "HOST/MONITORED/null", "onehaul/host-leftovers"), calls);
    }

    @ParameterizedTest
    @MethodSource("templates")
    void eachTemplateHasWhatOnehookCreateNeedsAndPointsAtAShimInThisFolder(String name) throws IOException {
        Map<String, String> m = parse(hooks.resolve(name));
        assertTrue(m.get("NAME").startsWith("onehaul-"), m.toString());
        String command = m.get("COMMAND");
        assertTrue(command.startsWith("onehaul/"), "relative to /var/lib/one/remotes/hooks/, where install.sh puts this folder");
        Path shim = hooks.resolve(command.substring("onehaul/".length()));
        assertTrue(Files.isRegularFile(shim) && Files.isExecutable(shim), shim + " executable");
        assertEquals("yes", m.get("ARGUMENTS_STDIN"), "only \"yes\" switches onehem to stdin (\"true\" is ignored)");
        assertTrue(Integer.parseInt(m.get("TIMEOUT")) > 0);
        assertTrue(Files.readString(hooks.resolve(name)).contains("onehook create /var/lib/one/remotes/hooks/onehaul/" + name),
                "the template says how to register it");
        if (m.get("TYPE").equals("api")) {
            assertEquals("$API", m.get("ARGUMENTS"));
            assertEquals(Set.of("NAME", "TYPE", "CALL", "COMMAND", "ARGUMENTS", "ARGUMENTS_STDIN", "TIMEOUT"), m.keySet());
        } else {
            assertEquals("state", m.get("TYPE"));
            assertEquals("$TEMPLATE", m.get("ARGUMENTS"));
            if (m.get("RESOURCE").equals("HOST")) {
                // host states have no LCM state and no ON (oned's HookStateHost reads STATE only)
                assertEquals(Set.of("NAME", "TYPE", "RESOURCE", "STATE", "COMMAND", "ARGUMENTS", "ARGUMENTS_STDIN", "TIMEOUT"),
                        m.keySet());
                assertEquals("MONITORED", m.get("STATE"));
                return;
            }
            Map<String, String> rec = recorded("d-state-vm-running.tmpl");
            for (String k : List.of("RESOURCE", "ON", "STATE", "LCM_STATE")) {
                assertEquals(rec.get(k), m.get(k), k + " as in the recorded template that fired on RUNNING");
            }
        }
    }

    static Stream<String> shims() throws IOException {
        try (Stream<Path> s = Files.list(hooks)) {
            return s.filter(p -> !p.getFileName().toString().contains(".")).map(p -> p.getFileName().toString())
                    .sorted().toList().stream();
        }
    }

    @Test
    void theShimsAreExactlyTheHookCommands() throws IOException {
        assertEquals(new TreeSet<>(List.of("host-leftovers", "migrate-audit", "placement-check", "sched-requirements")),
                shims().collect(Collectors.toCollection(TreeSet::new)));
    }

    @ParameterizedTest
    @MethodSource("shims")
    void aShimIsAnExecutablePosixScriptThatForwardsArgvAndStdinUntouched(String name) throws Exception {
        Path shim = hooks.resolve(name);
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(shim);
        assertTrue(perms.containsAll(Set.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE,
                PosixFilePermission.OTHERS_EXECUTE)), PosixFilePermissions.toString(perms));
        String text = Files.readString(shim);
        assertTrue(text.startsWith("#!/bin/sh\n"), name);
        assertTrue(text.contains("\nONEHAUL_BIN=${ONEHAUL_BIN:-/usr/lib/one/onehaul/bin/onehaul}\n"),
                "the default line install.sh rewrites for --root");
        assertTrue(text.contains("# argv:") && text.contains("# stdin:"), "documents what it gets");

        String b64 = HookFixtures.payload(HookFixtures.MIGRATE_TO_H2);
        Path fake = tmp.resolve("fake-onehaul");
        Files.writeString(fake, "#!/bin/sh\nfor a in \"$@\"; do printf '<%s>\\n' \"$a\"; done\nprintf 'stdin='\ncat\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        // onehem starts the command directly (no shell), with the blob as argv[1] ...
        assertEquals("<hook>\n<" + name + ">\n<" + b64 + ">\nstdin=", run(fake, "", shim.toString(), b64));
        // ... or with ARGUMENTS_STDIN=yes as stdin, no newline, then EOF
        assertEquals("<hook>\n<" + name + ">\nstdin=" + b64, run(fake, b64, shim.toString()));
    }

    private String run(Path fake, String stdin, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("ONEHAUL_BIN", fake.toString());
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.US_ASCII));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("timed out");
        }
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void theHookGroupWithoutACommandShowsItsCommandsAsBadInput() {
        HookRun none = HookRun.run(Map.of(), "");
        assertEquals(2, none.exit(), none.toString());
        for (String n : List.of("migrate-audit", "placement-check", "sched-requirements", "host-leftovers")) {
            assertTrue(none.err().contains(n), none.err());
        }
        HookRun twoWords = HookRun.run(Map.of(), "", "migrate-audit", "YWJj", "YWJj");
        assertEquals(2, twoWords.exit(), "one payload word at most: " + twoWords);
    }
}
