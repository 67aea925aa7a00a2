package io.onehaul.hooks;

import io.onehaul.cli.CliEnvironment;
import io.onehaul.cli.OneHaul;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code onehaul hook ...} in this JVM, with the stdin, environment and captured output a shim would give it. */
record HookRun(int exit, String out, String err) {
    static HookRun run(Map<String, String> env, String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliEnvironment.use(new CliEnvironment(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.ISO_8859_1)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), env));
        try {
            List<String> full = new ArrayList<>(List.of("hook"));
            full.addAll(List.of(args));
            int rc = OneHaul.run(full.toArray(String[]::new));
            return new HookRun(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            CliEnvironment.reset();
        }
    }

    /** Lines written to stderr. */
    List<String> errLines() {
        return err.lines().toList();
    }

    @Override
    public String toString() {
        return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
