package io.onehaul.migration;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the operator (onehaul.conf), the destination host or its cluster, and the VM's owner
 * (USER_TEMPLATE) allow for one migration; the most specific source that sets a value wins.
 *
 * @param strategies           allowed strategies in order of preference; empty = "auto"
 * @param targetFreezeSeconds  the freeze to aim for (auto picks the safest strategy expected to meet it)
 * @param coldFallback         when CRIU cannot dump the container: stop, move and boot it instead
 */
public record MigrationSettings(List<String> strategies, double targetFreezeSeconds, boolean coldFallback) {
    public static final List<String> NAMES = List.of(StopAndCopy.NAME, Streamed.NAME, PostCopy.NAME, PreCopy.NAME,
            Hybrid.NAME);
    public static final String AUTO = "auto";
    public static final double DEFAULT_TARGET_FREEZE_SECONDS = 2.0;

    public MigrationSettings {
        strategies = List.copyOf(strategies);
        if (!(targetFreezeSeconds > 0) || targetFreezeSeconds > 3600) {
            throw new IllegalArgumentException("target freeze must be between 0 and 3600 seconds, got " + targetFreezeSeconds);
        }
    }

    public static MigrationSettings defaults() {
        return new MigrationSettings(List.of(), DEFAULT_TARGET_FREEZE_SECONDS, false);
    }

    public boolean auto() {
        return strategies.isEmpty();
    }

    /** "auto", or a comma/space list of strategy names; anything else is refused with the valid names. */
    public static List<String> parseStrategies(String text, String where) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        if (t.isEmpty() || t.equals(AUTO)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String s : t.split("[,\\s]+")) {
            if (!NAMES.contains(s)) {
                throw new IllegalArgumentException(where + ": unknown migration strategy '" + s + "' (known: auto, "
                        + String.join(", ", NAMES) + ")");
            }
            if (!out.contains(s)) {
                out.add(s);
            }
        }
        return out;
    }

    public static boolean parseYesNo(String text, String where) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "yes", "true", "1", "on" -> true;
            case "no", "false", "0", "off" -> false;
            default -> throw new IllegalArgumentException(where + ": expected yes or no, got '" + text + "'");
        };
    }

    /** These settings with whatever {@code override} sets (null fields keep ours). */
    public MigrationSettings with(List<String> strategies, Double targetFreeze, Boolean cold) {
        return new MigrationSettings(strategies == null ? this.strategies : strategies,
                targetFreeze == null ? this.targetFreezeSeconds : targetFreeze, cold == null ? this.coldFallback : cold);
    }
}
