package io.onehaul.testsupport;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostShell;
import java.time.Duration;
import java.util.List;

/** A {@link HostShell} that runs its commands on this machine with sh: the host side of an adapter, for real. */
public final class LocalShell implements HostShell {
    @Override
    public String host() {
        return "localhost";
    }

    @Override
    public CommandResult run(String command, byte[] stdin, Duration timeout) {
        long t0 = System.nanoTime();
        Proc.Result r = Proc.run(List.of("sh", "-c", command), null, null, stdin, Math.max(1, timeout.toSeconds()));
        return new CommandResult(r.exit(), r.stdout(), r.stderr(), Duration.ofNanos(System.nanoTime() - t0));
    }

    @Override
    public void close() {}
}
