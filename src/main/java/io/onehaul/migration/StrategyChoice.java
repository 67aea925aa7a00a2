package io.onehaul.migration;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which strategy runs, and why, from what the driver's steps can do ({@link Capability}), what both hosts
 * can do, the container's memory, the link measured at pre-flight and the settings. A strategy is
 * available only where the driver and both hosts have everything it needs. With a list, the first allowed
 * strategy that is available. With "auto",
 * the safest strategy expected to meet the target freeze: those that keep the source held until the
 * destination has every page (pre-copy, streamed, stop-and-copy) before the one whose destination runs
 * while pages are still on the source (post-copy); hybrid runs only where listed (see {@link Hybrid}); if none is expected to meet it, the one with
 * the shortest expected freeze. Auto takes pre-copy only where the dirty
 * rate pre-flight measured lets its rounds converge ({@link PreCopyStopRule#converges}); an explicit
 * list runs them anyway, and the stop rule still ends their rounds.
 */
public final class StrategyChoice {
    /** Dump and restore of a small container on these hosts (docs/criu-lxc-notes.md measured ~1 s). */
    public static final double FIXED_FREEZE_SECONDS = 1.0;
    /** A lazy restore's freeze, whatever the memory (docs/criu-lxc-notes.md: 1.5–1.6 s for 1 GiB). */
    public static final double LAZY_FREEZE_SECONDS = 1.5;
    /** Link assumed when pre-flight could not measure one (bytes/s). */
    public static final long ASSUMED_LINK_BYTES_PER_SECOND = 100L << 20;

    public record Choice(MigrationStrategy strategy, String reason) {}

    private StrategyChoice() {}

    /** Picks for the driver's steps and the hosts pre-flight found; LiveMigration's chooser. */
    public interface Chooser {
        Choice choose(HostFeatures hosts, Set<Capability> driver);
    }

    /**
     * @param f      what both hosts support, and what pre-flight measured
     * @param driver what the driver's migration steps can do ({@link Capability#of})
     */
    public static Choice choose(MigrationSettings s, HostFeatures f, Set<Capability> driver) {
        long link = f.linkBytesPerSecond() > 0 ? f.linkBytesPerSecond() : ASSUMED_LINK_BYTES_PER_SECOND;
        PreCopyStopRule rule = new PreCopyStopRule(s.targetFreezeSeconds(), link);
        if (!s.auto()) {
            List<String> skipped = new ArrayList<>();
            for (String name : s.strategies()) {
                String why = unavailable(create(name, rule), f, driver);
                if (why == null) {
                    return new Choice(create(name, rule), "first allowed strategy the driver and both hosts support"
                            + (skipped.isEmpty() ? "" : " (not " + String.join("; ", skipped) + ")"));
                }
                skipped.add(name + ": " + why);
            }
            throw new MigrationRefusedException("none of the allowed migration strategies can run between these hosts: "
                    + String.join("; ", skipped));
        }
        String memory = (f.memoryBytes() >> 20) + " MiB at " + (link >> 20) + " MiB/s"
                + (f.linkBytesPerSecond() > 0 ? "" : " (assumed)");
        // hybrid only when listed: stock CRIU's lazy dump sends every page again (Hybrid), so it moves more
        // than post-copy for the same freeze
        List<String> safeFirst = List.of(PreCopy.NAME, Streamed.NAME, StopAndCopy.NAME, PostCopy.NAME);
        String best = null;
        double bestFreeze = Double.MAX_VALUE;
        List<String> over = new ArrayList<>();
        List<String> notHere = new ArrayList<>();
        for (String name : safeFirst) {
            String why = unavailable(create(name, rule), f, driver);
            if (why == null && iterates(name)) {
                why = wontConverge(f, link);
            }
            if (why != null) {
                notHere.add(name + ": " + why);
                continue;
            }
            double expected = expectedFreeze(name, f.memoryBytes(), link, s.targetFreezeSeconds());
            if (expected <= s.targetFreezeSeconds()) {
                return new Choice(create(name, rule), String.format(Locale.ROOT,
                        "auto: the safest strategy expected to meet the %.1f s target (%s ~%.1f s for %s)%s",
                        s.targetFreezeSeconds(), name, expected, memory, over.isEmpty() ? "" : "; " + String.join(", ", over))
                        + unavailableNote(notHere));
            }
            over.add(String.format(Locale.ROOT, "%s ~%.1f s", name, expected));
            if (expected < bestFreeze) {
                best = name;
                bestFreeze = expected;
            }
        }
        return new Choice(create(best, rule), String.format(Locale.ROOT,
                "auto: no strategy is expected to meet the %.1f s target for %s (%s); the shortest: %s%s",
                s.targetFreezeSeconds(), memory, String.join(", ", over), best,
                f.missing().isEmpty() ? "" : "; missing: " + f.missing()) + unavailableNote(notHere));
    }

    /** Why {@code strategy} cannot run with this driver between these hosts, or null. */
    static String unavailable(MigrationStrategy strategy, HostFeatures hosts, Set<Capability> driver) {
        for (Capability c : strategy.needs()) {
            if (!driver.contains(c)) {
                return "this driver cannot " + c.does();
            }
            String lacking = hosts.lacks(c);
            if (lacking != null) {
                return lacking;
            }
        }
        return null;
    }

    private static boolean iterates(String name) {
        return name.equals(PreCopy.NAME) || name.equals(Hybrid.NAME);
    }

    /** Why pre-dump rounds are not expected to converge on this container and link, or null where they are. */
    static String wontConverge(HostFeatures f, long link) {
        if (PreCopyStopRule.converges(f.dirtyBytesPerSecond(), link)) {
            return null;
        }
        return f.dirtyBytesPerSecond() < 0 ? "the container's write rate could not be measured"
                : String.format(Locale.ROOT, "the container writes %.1f MiB/s, more than rounds over %.1f MiB/s outrun",
                        f.dirtyBytesPerSecond() / (double) (1 << 20), link / (double) (1 << 20));
    }

    /** The strategies auto passed over because they cannot run here, so the VM log says why. */
    private static String unavailableNote(List<String> notHere) {
        return notHere.isEmpty() ? "" : " [not available: " + String.join("; ", notHere) + "]";
    }

    /** The freeze each strategy is expected to cost (named constants above; a guide, not a promise). */
    static double expectedFreeze(String name, long memory, long link, double target) {
        double transfer = (double) memory / link;
        return switch (name) {
            case StopAndCopy.NAME -> FIXED_FREEZE_SECONDS + 2 * transfer; // written once, copied once
            case Streamed.NAME -> FIXED_FREEZE_SECONDS + transfer;
            case PreCopy.NAME -> FIXED_FREEZE_SECONDS + target * PreCopyStopRule.PAGES_SHARE_OF_FREEZE;
            case PostCopy.NAME, Hybrid.NAME -> LAZY_FREEZE_SECONDS;
            default -> Double.MAX_VALUE;
        };
    }

    static MigrationStrategy create(String name, PreCopyStopRule rule) {
        return switch (name) {
            case StopAndCopy.NAME -> new StopAndCopy();
            case Streamed.NAME -> new Streamed();
            case PostCopy.NAME -> new PostCopy();
            case PreCopy.NAME -> new PreCopy(rule);
            case Hybrid.NAME -> new Hybrid(rule);
            default -> throw new IllegalArgumentException("unknown strategy " + name);
        };
    }
}
