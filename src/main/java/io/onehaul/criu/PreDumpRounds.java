package io.onehaul.criu;

import static io.onehaul.host.HostShell.QUICK;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostException;
import io.onehaul.host.HostScript;
import io.onehaul.host.HostShell;
import io.onehaul.host.Shell;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The pre-dump rounds of one migration and the folder they live in: {@code <VM folder>/.migration-predump/N},
 * the same layout on both hosts. Round N's pages reach the destination's round folder through a page
 * server; its other images stay in the source's. Each round names the one before as its parent
 * ({@code ../N-1}), and so does the final dump ({@link #parentOfFinalImages}), so CRIU sends only what
 * was dirtied since and the restore finds every page by following the chain on the destination.
 * The folder is beside the dump's work folder, which every dump empties, and is never part of the VM
 * folder's copies: the pages are already where they must be.
 */
public final class PreDumpRounds {
    /** The folder's name inside the VM folder. */
    public static final String FOLDER = ".migration-predump";

    private PreDumpRounds() {}

    /** Round {@code n}'s folder on either host. */
    public static String round(String vmFolder, int n) {
        return vmFolder + "/" + FOLDER + "/" + n;
    }

    /** Round {@code n}'s parent, relative to its own folder (CRIU takes only relative ones); null for round 1. */
    public static String parentOfRound(int n) {
        return n > 1 ? "../" + (n - 1) : null;
    }

    /** The last round, relative to the dump's images folder ({@code <VM folder>/<work>/images}). */
    public static String parentOfFinalImages(int lastRound) {
        return "../../" + FOLDER + "/" + lastRound;
    }

    /**
     * Runs round {@code n} on the source: CRIU sends the dirty pages to the page server on the source's
     * 127.0.0.1:{@code port} (a tunnel to the destination's round folder). Returns when CRIU has ended;
     * the container runs on.
     */
    public static void run(HostShell source, CriuOptions options, String lxcPath, String container, String vmFolder,
                           int n, int port, Duration timeout) {
        String parent = parentOfRound(n);
        List<String> args = new ArrayList<>(List.of(lxcPath, container, round(vmFolder, n), parent == null ? "" : parent,
                Integer.toString(port)));
        for (Map.Entry<String, String> e : options.env().entrySet()) {
            args.add(e.getKey() + "=" + e.getValue());
        }
        StringBuilder cmd = new StringBuilder(HostScript.sh(PreDumpRounds.class, "pre-dump.sh"));
        args.forEach(a -> cmd.append(' ').append(Shell.quote(a)));
        CommandResult r = source.run(cmd.toString(), timeout);
        if (!r.ok()) {
            throw new HostException(source.host(), "pre-dump round " + n + " of " + container + " failed: " + r.reason());
        }
    }

    /** The bytes of memory round {@code n} brought to the destination (its pages files). */
    public static long receivedBytes(HostShell destination, String vmFolder, int n) {
        return PageServer.receivedBytes(destination, round(vmFolder, n));
    }

    /** Removes every round on one host; idempotent. */
    public static void remove(HostShell host, String vmFolder) {
        host.run("rm -rf " + Shell.quote(vmFolder + "/" + FOLDER), QUICK);
    }
}
