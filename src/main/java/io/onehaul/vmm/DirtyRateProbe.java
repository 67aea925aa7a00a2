package io.onehaul.vmm;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostScript;
import io.onehaul.host.HostShell;
import io.onehaul.host.Shell;
import java.time.Duration;

/**
 * How fast the running container writes its memory, measured on the source at pre-flight from the
 * kernel's soft-dirty bits ({@code dirty-rate.pl}): pre-copy converges only where its rounds outrun it.
 * Only asked where both hosts have soft-dirty tracking.
 */
final class DirtyRateProbe {
    /** Long enough to see a steady writer, short enough to add little to the pre-flight. */
    static final double WINDOW_SECONDS = 0.5;
    private static final Duration LIMIT = Duration.ofSeconds(30);

    private DirtyRateProbe() {}

    /** Bytes per second, or -1 where it could not be measured (the VM log then says pre-copy is not preferred). */
    static long bytesPerSecond(HostShell source, String lxcPath, String container) {
        String pid = "$(lxc-info -P " + Shell.quote(lxcPath) + " -n " + Shell.quote(container) + " -p -H)";
        CommandResult r = source.run(HostScript.perl(DirtyRateProbe.class, "dirty-rate.pl") + " \"" + pid + "\" "
                + WINDOW_SECONDS, LIMIT);
        return r.ok() ? parse(r.stdout()) : -1;
    }

    /** From "BYTES SECONDS". */
    static long parse(String out) {
        String[] f = out.strip().split("\\s+");
        try {
            double seconds = Double.parseDouble(f[1]);
            return seconds > 0 ? Math.round(Long.parseLong(f[0]) / seconds) : -1;
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
