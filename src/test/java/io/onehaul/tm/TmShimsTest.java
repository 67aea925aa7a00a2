package io.onehaul.tm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.Proc;
import io.onehaul.testsupport.TmHarness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The remotes/tm/onehaul shims hand oned's argv and stdin to {@code onehaul tm <action>} unchanged. */
class TmShimsTest {
    static final String ECHO = "#!/bin/sh\nfor a in \"$@\"; do printf '<%s>\\n' \"$a\"; done\nprintf 'stdin='\ncat\n";

    @TempDir Path tmp;

    static Stream<String> actions() {
        return Stream.of("premigrate", "postmigrate", "failmigrate", "mv", "delete", "context", "mkimage", "mkswap",
                "clone", "ln");
    }

    @ParameterizedTest
    @MethodSource("actions")
    void shim_documents_its_argv_and_forwards_argv_and_stdin_byte_for_byte(String action) throws Exception {
        Path shim = TmHarness.shim(action);
        assertTrue(Files.isExecutable(shim), shim + " must be executable");
        String text = Files.readString(shim);
        assertTrue(text.startsWith("#!/bin/sh\n"), action);
        assertTrue(text.contains("# argv:  ") && text.contains("# stdin: "), action + ": header documents argv and stdin");
        assertTrue(text.contains("ONEHAUL_BIN=${ONEHAUL_BIN:-/usr/lib/one/onehaul/bin/onehaul}"), action);

        Path fake = tmp.resolve("fake-onehaul");
        Files.writeString(fake, ECHO);
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> argv = List.of("h1:/var/lib/one//datastores/100/3", "it's", "$HOME", "", "*", "3", "100");
        List<String> cmd = new ArrayList<>(List.of(shim.toString()));
        cmd.addAll(argv);
        Proc.Result r = Proc.run(cmd, tmp, Map.of("ONEHAUL_BIN", fake.toString()),
                "PFZNPjwvVk0+".getBytes(StandardCharsets.UTF_8), 30);
        assertEquals(0, r.exit(), r.stderr());
        List<String> expected = new ArrayList<>(List.of("tm", action));
        expected.addAll(argv);
        String head = r.stdout().substring(0, r.stdout().indexOf("stdin="));
        assertEquals(expected, head.lines().map(l -> l.substring(1, l.length() - 1)).toList());
        assertEquals("PFZNPjwvVk0+", r.stdout().substring(r.stdout().indexOf("stdin=") + 6));
    }
}
