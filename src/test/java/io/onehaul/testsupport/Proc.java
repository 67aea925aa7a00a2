package io.onehaul.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a local process to completion, capturing everything. */
public final class Proc {
    public record Result(int exit, String stdout, String stderr) {
        public Result requireOk(String what) {
            if (exit != 0) {
                throw new AssertionError(what + " failed (exit " + exit + "): " + stderr + stdout);
            }
            return this;
        }
    }

    private Proc() {}

    public static Result run(List<String> cmd, Path cwd, Map<String, String> env, byte[] stdin, long timeoutSeconds) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            if (cwd != null) {
                pb.directory(cwd.toFile());
            }
            if (env != null) {
                pb.environment().putAll(env);
            }
            Process p = pb.start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread t1 = pump(p.getInputStream(), out);
            Thread t2 = pump(p.getErrorStream(), err);
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            } catch (IOException ignored) {
                // the process may exit without reading its stdin (e.g. bad argv)
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("timed out after " + timeoutSeconds + " s: " + cmd);
            }
            // A daemon the command left behind (an LXC monitor) may keep the pipes open: do not wait for it.
            t1.join(5000);
            t2.join(5000);
            return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public static Result sh(String script, long timeoutSeconds) {
        return run(List.of("/bin/sh", "-c", script), null, null, null, timeoutSeconds);
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream sink) {
        Thread t = new Thread(() -> {
            try {
                in.transferTo(sink);
            } catch (IOException ignored) {
                // stream closed
            }
        });
        t.start();
        return t;
    }
}
