package io.onehaul.testsupport;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostShell;
import java.time.Duration;
import java.util.List;

/** A {@link HostShell} onto a test-bed host through its namespaces (no SSH): for specs of host-side helpers. */
public final class TestBedShell implements HostShell {
    private final TestBed tb;
    private final String host;

    public TestBedShell(TestBed tb, String host) {
        this.tb = tb;
        this.host = host;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public CommandResult run(String command, byte[] stdin, Duration timeout) {
        long t0 = System.nanoTime();
        Proc.Result r = Proc.run(List.of("bash", tb.value("TB_SCRIPT"), "exec", host, "--", "/bin/sh", "-c", command), null,
                null, stdin, Math.max(1, timeout.toSeconds()));
        return new CommandResult(r.exit(), r.stdout(), r.stderr(), Duration.ofNanos(System.nanoTime() - t0));
    }

    @Override
    public void close() {}
}
