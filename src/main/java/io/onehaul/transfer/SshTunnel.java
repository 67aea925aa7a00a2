package io.onehaul.transfer;

import static io.onehaul.host.HostShell.QUICK;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostException;
import io.onehaul.host.HostShell;
import io.onehaul.host.Scratch;
import io.onehaul.host.Shell;
import java.time.Duration;

/**
 * A TCP path between two hosts that the driver owns: an SSH port forward run on the source host to the
 * destination (the same SSH the copies use), so CRIU's page server and lazy-pages daemon listen on
 * 127.0.0.1 only and no port is opened on any host's network. {@code toDestination}: the source's
 * 127.0.0.1:port reaches the destination's (a page server there); otherwise the destination's reaches
 * the source's (the source serving lazy pages). The ssh process's pid is kept in a file, so a cleanup
 * after a dead driver can end it.
 */
public final class SshTunnel {
    /** How long the forward may take to come up (an SSH connection on these links: well under a second). */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(15);

    private final HostShell source;
    private final String pidFile;

    private SshTunnel(HostShell source, String pidFile) {
        this.source = source;
        this.pidFile = pidFile;
    }

    /**
     * Opens the forward and returns once it listens (or the ssh process died: then a HostException with
     * its last words).
     */
    public static SshTunnel open(HostShell source, SshRoute route, int port, boolean toDestination, String pidFile) {
        String destinationHost = route.destination();
        String spec = "127.0.0.1:" + port + ":127.0.0.1:" + port;
        String log = pidFile + ".log";
        String ssh = withoutSharedConnection(route.ssh()) + " -N -o ExitOnForwardFailure=yes " + (toDestination ? "-L " : "-R ")
                + spec + " " + Shell.quote(route.address());
        // Ready: -L listens here; for -R the listener is on the destination, and ssh -v says "remote forward
        // success" once the server granted it (a refused one ends ssh: ExitOnForwardFailure).
        String ready = toDestination
                ? "ss -ltnH 'sport = :" + port + "' | grep -q ."
                : "grep -q 'remote forward success' " + Shell.quote(log) + " 2>/dev/null";
        // its own folder, made here with mode 700: never a name in a folder others may write to
        String cmd = Scratch.prepare(pidFile) + " && rm -f " + Shell.quote(log) + " || exit 1; setsid " + ssh + " -v </dev/null >" + Shell.quote(log) + " 2>&1 & "
                + "echo $! > " + Shell.quote(pidFile) + "; p=$!; i=0; "
                + "while kill -0 $p 2>/dev/null; do "
                + "if " + ready + "; then exit 0; fi; "
                + "i=$((i+1)); [ $i -gt " + READY_TIMEOUT.toMillis() / 20 + " ] && break; sleep 0.02; done; "
                + "kill $p 2>/dev/null; grep -v '^debug' " + Shell.quote(log) + " | tail -n 3 >&2; exit 1";
        CommandResult r = source.run(cmd, READY_TIMEOUT.plusSeconds(10));
        if (!r.ok()) {
            throw new HostException(source.host(), "the SSH tunnel to " + destinationHost + " for port " + port
                    + " did not come up: " + r.reason());
        }
        return new SshTunnel(source, pidFile);
    }

    /** Ends the forward (idempotent). */
    public void close() {
        closeByPidFile(source, pidFile);
    }

    /** Ends a forward whose pid file a (possibly dead) earlier run left. */
    public static void closeByPidFile(HostShell source, String pidFile) {
        String f = Shell.quote(pidFile);
        // only a pid that is still an ssh forward is ended: the kernel may have given an old one to anything
        source.run("p=$(cat " + f + " 2>/dev/null); case \"$p\" in ''|*[!0-9]*) ;; *) "
                + "tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null | grep -q '^[^ ]*ssh .* -N ' && kill \"$p\";; esac; "
                + "rm -f " + f + " " + Shell.quote(pidFile + ".log") + "; true", QUICK);
    }

    /**
     * Never through a shared master connection: the forward must live and die with this process. Put right
     * after the program's name, since ssh keeps the first value it gets for an option.
     */
    static String withoutSharedConnection(String sshCommand) {
        return SshRoute.withLeadingOptions(sshCommand, "-o ControlMaster=no -o ControlPath=none");
    }
}
