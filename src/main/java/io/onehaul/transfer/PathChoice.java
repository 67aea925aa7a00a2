package io.onehaul.transfer;

import io.onehaul.opennebula.BadInputException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Direct or relayed, per pair of hosts: what the operator allows (ONEHAUL_TRANSFER_PATH on the destination
 * host or its cluster: auto, direct, relay) and what a short direct probe from the source found. Only a
 * network failure leads to the relay; a host key or login refusal is an error to fix, never a reason to
 * take another path.
 */
public final class PathChoice {
    public static final String SETTING = "ONEHAUL_TRANSFER_PATH";

    public enum Path { DIRECT, RELAY }

    public enum Setting {
        AUTO, DIRECT, RELAY;

        public static Setting parse(String value, String where) {
            if (value == null || value.isBlank()) {
                return AUTO;
            }
            try {
                return valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new BadInputException(where + ": " + SETTING + " must be auto, direct or relay, not '" + value + "'");
            }
        }
    }

    /** What the direct probe found. */
    public enum Reach { REACHABLE, UNREACHABLE, REFUSED }

    public record Choice(Path path, String reason) {}

    private static final Pattern REFUSED = Pattern.compile(
            "Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|Permission denied|No matching host key");

    private PathChoice() {}

    /** Classifies `ssh -o ConnectTimeout=N dst true` run on the source. */
    public static Reach classify(int exitCode, String stderr) {
        if (exitCode == 0) {
            return Reach.REACHABLE;
        }
        return REFUSED.matcher(stderr).find() ? Reach.REFUSED : Reach.UNREACHABLE;
    }

    /**
     * @param detail the probe's own last line, for the reason
     * @throws PathRefusedException when no path is allowed or SSH refused the source
     */
    public static Choice choose(Setting setting, Reach reach, String source, String destination, String detail) {
        if (setting == Setting.RELAY) {
            return new Choice(Path.RELAY, SETTING + "=relay: through the front-end");
        }
        if (reach == Reach.REACHABLE) {
            return new Choice(Path.DIRECT, destination + " is reachable from " + source);
        }
        if (reach == Reach.REFUSED) {
            throw new PathRefusedException(source + " reached " + destination + " but SSH refused it (" + detail
                    + "): fix the host key or login between them; a relay is no answer to that");
        }
        if (setting == Setting.DIRECT) {
            throw new PathRefusedException(destination + " is not reachable from " + source + " (" + detail + ") and "
                    + SETTING + "=direct forbids the relay through the front-end");
        }
        return new Choice(Path.RELAY, destination + " is not reachable from " + source + " (" + detail
                + "): relayed through the front-end");
    }

    public static final class PathRefusedException extends RuntimeException {
        public PathRefusedException(String message) {
            super(message);
        }
    }
}
