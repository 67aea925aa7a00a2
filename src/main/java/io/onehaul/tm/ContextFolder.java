package io.onehaul.tm;

import io.onehaul.host.HostShell;
import io.onehaul.host.HostShellFactory;
import io.onehaul.host.Shell;
import io.onehaul.tm.HostFiles.Kind;
import io.onehaul.vmm.ActionFailedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * context: the context disk as a folder {@code disk.N} holding context.sh and the extra files, which the
 * VMM bind-mounts read-only at /context. A container needs no ISO, so the front-end needs no ISO tools.
 * An existing folder is updated in place (each file replaced by rename, strays removed): a running
 * container that has it mounted sees the new content.
 */
public final class ContextFolder {
    private static final Logger log = LoggerFactory.getLogger(ContextFolder.class);
    /** Context files are variables and small scripts; a cap keeps a mistaken FILES_DS image out of memory. */
    static final long MAX_TOTAL_BYTES = 64L * 1024 * 1024;

    private final TmSettings settings;
    private final HostShellFactory hosts;

    public ContextFolder(TmSettings settings, HostShellFactory hosts) {
        this.settings = settings;
        this.hosts = hosts;
    }

    public void run(TmArgs.Context a) {
        Map<String, byte[]> files = read(a.files());
        String dir = a.disk().path();
        try (HostShell sh = hosts.open(a.host())) {
            HostFiles.mkdirs(sh, a.disk().vmFolder());
            Kind k = HostFiles.kind(sh, dir);
            if (k != Kind.DIR) {
                // A context ISO from another TM, or nothing yet: the folder replaces it.
                sh.check("preparing " + dir, "rm -f " + Shell.quote(dir) + " && mkdir -m 755 " + Shell.quote(dir),
                        HostFiles.QUICK);
            }
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                String target = dir + "/" + f.getKey();
                sh.writeFile(target + ".onehaul-new", f.getValue(), HostFiles.QUICK);
                sh.check("placing " + target, "chmod 644 " + Shell.quote(target + ".onehaul-new") + " && mv -f "
                        + Shell.quote(target + ".onehaul-new") + " " + Shell.quote(target), HostFiles.QUICK);
            }
            List<String> keep = new ArrayList<>();
            for (String name : files.keySet()) {
                keep.addAll(List.of("!", "-name", name));
            }
            sh.check("removing stale context files", "find " + Shell.quote(dir) + " -mindepth 1 -maxdepth 1 "
                    + Shell.command(keep) + " -exec rm -rf -- {} +", HostFiles.QUICK);
            log.info("context folder {}:{} holds {}", a.host(), dir, String.join(", ", files.keySet()));
        }
    }

    /** Reads every source before the host is touched, so a missing file changes nothing there. */
    private static Map<String, byte[]> read(List<TmArgs.ContextFile> sources) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        long total = 0;
        for (TmArgs.ContextFile f : sources) {
            Path p = Path.of(f.localPath());
            if (!Files.isRegularFile(p)) {
                throw new ActionFailedException("context file " + p + " is not a file on the front-end");
            }
            try {
                total += Files.size(p);
                if (total > MAX_TOTAL_BYTES) {
                    throw new ActionFailedException("context files exceed " + MAX_TOTAL_BYTES / (1024 * 1024) + " MiB");
                }
                out.put(f.name(), Files.readAllBytes(p));
            } catch (IOException e) {
                throw new ActionFailedException("cannot read context file " + p + ": " + e.getMessage(), e);
            }
        }
        return out;
    }
}
