package io.onehaul.transfer;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostShell;
import io.onehaul.host.Shell;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and opens the path from a source host to a destination for one migration or one transfer line:
 * a short direct probe from the source, then {@link PathChoice}; a relay through the front-end is opened
 * on the {@link Routes} when chosen, so every later copy takes it. The choice and why go to the VM log.
 */
public final class PathFinder {
    private static final Logger log = LoggerFactory.getLogger(PathFinder.class);
    /**
     * How long the direct probe waits for the destination's SSH port before the relay is considered. Linux
     * resends a SYN after 1 s, then after 3 s: 2 s allows one lost SYN, as 3 s did (the second resend would
     * only leave at 3 s), and a destination whose firewall drops the source costs a second less. Measured
     * over the test bed's WAN: a relayed migration's pre-flight took 5.9 s against 3.0 s direct.
     */
    public static final int DIRECT_PROBE_SECONDS = 2;
    /** The destination's sshd, as the front-end reaches it for a relay (hosts run sshd on 22, as oned expects). */
    public static final int SSH_PORT = 22;

    private PathFinder() {}

    /**
     * @param source     shell on the source host, opened by the front-end (a relay needs that connection)
     * @param sourceName the source as OpenNebula names it, for the reason
     * @return the choice (path and why); {@code routes.to(destination)} is now that path
     * @throws PathChoice.PathRefusedException when no path is allowed or SSH refused the source
     */
    public static PathChoice.Choice open(Routes routes, HostShell source, String sourceName, String destination,
                                         PathChoice.Setting setting) {
        PathChoice.Reach reach = PathChoice.Reach.UNREACHABLE;
        String detail = "not probed";
        if (setting != PathChoice.Setting.RELAY) {
            SshRoute direct = routes.direct(destination);
            CommandResult probe = source.run(direct.ssh() + " -o ConnectTimeout=" + DIRECT_PROBE_SECONDS + " "
                    + Shell.quote(direct.address()) + " true", Duration.ofSeconds(DIRECT_PROBE_SECONDS + 20));
            reach = PathChoice.classify(probe.exitCode(), probe.stderr());
            detail = probe.reason();
        }
        PathChoice.Choice choice = PathChoice.choose(setting, reach, sourceName, destination, detail);
        log.info("transfer path {}: {}", choice.path().name().toLowerCase(Locale.ROOT), choice.reason());
        if (choice.path() == PathChoice.Path.RELAY) {
            routes.relay(source, destination, SSH_PORT);
        }
        return choice;
    }
}
