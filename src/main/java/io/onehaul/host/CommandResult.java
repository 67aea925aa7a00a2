package io.onehaul.host;

import java.time.Duration;

/** Outcome of one command on a host. */
public record CommandResult(int exitCode, String stdout, String stderr, Duration elapsed) {
    public boolean ok() {
        return exitCode == 0;
    }

    /** The last non-empty stderr line: usually the one that says why. */
    public String reason() {
        String[] lines = stderr.strip().split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (!lines[i].isBlank()) {
                return lines[i].strip();
            }
        }
        return stdout.isBlank() ? "exit code " + exitCode : stdout.strip().lines().reduce((a, b) -> b).orElse("");
    }
}
