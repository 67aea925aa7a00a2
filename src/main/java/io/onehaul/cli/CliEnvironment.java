package io.onehaul.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;

/**
 * The process's stdin, stdout, stderr and environment, swappable so that in-JVM tests can drive a
 * command exactly like a driver shim does without touching the real process streams.
 */
public record CliEnvironment(InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
    private static volatile CliEnvironment current =
            new CliEnvironment(System.in, System.out, System.err, System.getenv());

    public static CliEnvironment current() {
        return current;
    }

    public static void use(CliEnvironment e) {
        current = e;
    }

    public static void reset() {
        current = new CliEnvironment(System.in, System.out, System.err, System.getenv());
    }
}
