package io.onehaul.host;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * Port: run a shell command on one host. The command is a complete POSIX shell line whose
 * variable parts were quoted with {@link Shell}; adapters add privilege (sudo) only where asked.
 */
public interface HostShell extends AutoCloseable {
    /**
     * The bound on a host command that does no bulk work (a few forks, files of a few lines): far above what
     * one takes on a loaded host, so that only a host that stopped answering reaches it.
     */
    Duration QUICK = Duration.ofSeconds(30);

    String host();

    CommandResult run(String command, byte[] stdin, Duration timeout);

    /**
     * Like {@link #run(String, byte[], Duration)}, and hands each line of stdout (cut at {@code \n} and
     * {@code \r}, see {@link OutputLines}) to {@code onStdoutLine} while the command runs, so that a long
     * copy can report its progress. The result still holds the whole stdout. This default hands the lines
     * over once the command ended; adapters that can stream do so as the output arrives, on the thread that
     * reads it, so the listener must return at once (a slow one would stall the command's output).
     */
    default CommandResult run(String command, byte[] stdin, Duration timeout, Consumer<String> onStdoutLine) {
        CommandResult r = run(command, stdin, timeout);
        OutputLines.each(r.stdout(), onStdoutLine);
        return r;
    }

    default CommandResult run(String command, Duration timeout) {
        return run(command, null, timeout);
    }

    /** Runs and throws {@link HostException} with the command's own reason when it fails. */
    default CommandResult check(String what, String command, Duration timeout) {
        CommandResult r = run(command, timeout);
        if (!r.ok()) {
            throw new HostException(host(), what + " failed: " + r.reason());
        }
        return r;
    }

    /**
     * Writes a file on the host (parent directories must exist), {@code path} (mode 644) without ever following what is there: a new file is made beside it
     * (mktemp: a name nobody could have planted) and renamed over it, so a symlink planted at the path, e.g.
     * by a container into a folder it is given, is replaced, never written through.
     */
    default void writeFile(String path, byte[] content, Duration timeout) {
        int slash = path.lastIndexOf('/');
        String dir = slash > 0 ? path.substring(0, slash) : slash == 0 ? "/" : ".";
        CommandResult r = run("t=$(mktemp " + Shell.quote(dir + "/.onehaul-write.XXXXXX") + ") || exit 1; "
                + "if cat > \"$t\" && chmod 644 \"$t\" && mv -f -T \"$t\" " + Shell.quote(path) + "; then exit 0; fi; "
                + "rm -f \"$t\"; exit 1", content, timeout);
        if (!r.ok()) {
            throw new HostException(host(), "writing " + path + " failed: " + r.reason());
        }
    }

    /**
     * Opens a relay: a port on this host's 127.0.0.1 that leads, through the front-end, to
     * {@code targetHost:targetPort}. Only shells that hold a connection from the front-end can.
     */
    default HostRelay relayTo(String targetHost, int targetPort) {
        throw new UnsupportedOperationException(host() + ": this shell cannot relay through the front-end");
    }

    @Override
    void close();
}
