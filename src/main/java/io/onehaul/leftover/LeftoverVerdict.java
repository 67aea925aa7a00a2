package io.onehaul.leftover;

import java.time.Instant;

/**
 * Whether a recorded leftover may be cleaned, from what the host shows (no I/O here). The VM folder and the
 * container's name on that host are the VM's again when a later placement (a migration back, a restore, a
 * deploy) defined the container there after the leftover was recorded: every OneHaul placement writes the
 * definition, and the stale one was written before the migration that left it. Then the record is only
 * dropped. Otherwise the leftover is the old copy: stopped if it somehow runs (a source that was only cut
 * off resumes when its hold gives up), its mounts and definition released, its folder removed.
 */
public final class LeftoverVerdict {
    public enum Action { CLEAN, VM_PLACED_HERE_AGAIN }

    /**
     * @param defined              the host has an LXC definition of the container
     * @param definitionWrittenAt  when that definition was written (host clock), null when not defined
     */
    public record HostView(boolean defined, Instant definitionWrittenAt) {}

    private LeftoverVerdict() {}

    public static Action decide(Leftover l, HostView v) {
        if (v.defined() && v.definitionWrittenAt() != null && v.definitionWrittenAt().isAfter(l.recordedAt())) {
            return Action.VM_PLACED_HERE_AGAIN;
        }
        return Action.CLEAN;
    }
}
