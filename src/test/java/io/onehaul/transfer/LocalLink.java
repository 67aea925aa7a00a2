package io.onehaul.transfer;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostShell;
import io.onehaul.testsupport.Proc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/**
 * Two "hosts" on this machine, for the copies' real command lines without SSH: a {@link HostShell} that runs
 * /bin/sh locally, and an "ssh" script that drops its options and the host name and runs the remote command
 * with sh, as sshd would. It may flip one byte of what it carries, as a broken link or a bad buffer would.
 */
final class LocalLink {
    /** Flips one byte of stdin at the given offset (xor 1), passes everything else through. */
    private static final String FLIPPER = "perl -e 'my ($at, $pos) = (shift, 0); binmode STDIN; binmode STDOUT; $| = 1;"
            + " while (my $n = sysread(STDIN, my $b, 65536)) { substr($b, $at - $pos, 1) ^= chr(1)"
            + " if $at >= $pos && $at < $pos + $n; print $b; $pos += $n; }'";

    private LocalLink() {}

    /** A filter that passes its stdin through with the byte at {@code offset} flipped. */
    static String flipper(long offset) {
        return FLIPPER + " " + offset;
    }

    /** The ssh stand-in; {@code flipAt} &lt; 0: carries the bytes unchanged. */
    static String ssh(Path dir, long flipAt) {
        Path script = dir.resolve(flipAt < 0 ? "ssh" : "ssh-flip-" + flipAt);
        String run = flipAt < 0 ? "exec sh -c \"$*\"" : flipper(flipAt) + " | sh -c \"$*\"";
        try {
            Files.writeString(script, "#!/bin/sh\n"
                    + "while [ $# -gt 0 ]; do case \"$1\" in -o|-p|-l) shift 2;; -*) shift;; *) break;; esac; done\n"
                    + "shift\n" + run + "\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return script.toString();
    }

    /** The "source host": runs each command with /bin/sh here. */
    static HostShell shell() {
        return new HostShell() {
            @Override
            public String host() {
                return "h1";
            }

            @Override
            public CommandResult run(String command, byte[] stdin, Duration timeout) {
                long t0 = System.nanoTime();
                Proc.Result r = Proc.run(List.of("/bin/sh", "-c", command), null, null, stdin, Math.max(1, timeout.toSeconds()));
                return new CommandResult(r.exit(), r.stdout(), r.stderr(), Duration.ofNanos(System.nanoTime() - t0));
            }

            @Override
            public void close() {}
        };
    }
}
