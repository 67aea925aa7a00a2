package io.onehaul.host;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A helper script that runs on a host (Perl or POSIX sh: part of every Debian base system; hosts run no
 * JVM), kept as a resource next to the class that sends it, and sent inline ({@code perl -e '…' ARGS},
 * {@code sh -c '…' sh ARGS}) so that nothing has to be installed on a host first.
 */
public final class HostScript {
    private HostScript() {}

    public static String text(Class<?> owner, String name) {
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name + " next to " + owner.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code perl -e '<script>'}: the start of a command line; the caller appends the quoted arguments. */
    public static String perl(Class<?> owner, String name) {
        return "perl -e " + Shell.quote(text(owner, name));
    }

    /**
     * {@code line} with the host library (host/lib.sh: wait_for, listening, gone, start_detached) defined
     * before it, as one command.
     */
    public static String withLibrary(String line) {
        return text(HostScript.class, "lib.sh") + "\n" + line;
    }

    /** {@code sh -c '<script>' sh}: the start of a command line; the caller appends the quoted arguments ($1 ...). */
    public static String sh(Class<?> owner, String name) {
        return "sh -c " + Shell.quote(text(owner, name)) + " sh";
    }
}
