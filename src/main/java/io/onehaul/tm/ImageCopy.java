package io.onehaul.tm;

import io.onehaul.host.HostShell;
import io.onehaul.host.HostShellFactory;
import io.onehaul.tm.HostFiles.Kind;
import io.onehaul.transfer.FileTransfer;
import io.onehaul.vmm.ActionFailedException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * clone and ln: an image (a file, or a folder rootfs) copied sparse into the VM folder as disk.N. The
 * source is on the front-end ({@code fe:}, the usual case: image datastores live there) or on a host.
 * ln copies too, as the ssh TM's ln does: the system datastore is not shared.
 */
public final class ImageCopy {
    private static final Logger log = LoggerFactory.getLogger(ImageCopy.class);

    private final TmSettings settings;
    private final HostShellFactory hosts;
    private final FileTransfer hostToHost;
    private final FrontendRsync fromFrontend;

    public ImageCopy(TmSettings settings, HostShellFactory hosts, FileTransfer hostToHost) {
        this.settings = settings;
        this.hosts = hosts;
        this.hostToHost = hostToHost;
        this.fromFrontend = new FrontendRsync(settings.frontendSsh(), settings.remoteRsync());
    }

    public void run(String action, TmArgs.Clone a) {
        String dst = a.disk().path();
        boolean folder = a.sourceOnFrontend() ? frontendKind(a) : false;
        try (HostShell sh = hosts.open(a.host())) {
            FolderGuard.requireUnused(sh, settings.lxcPath(), a.vmid(), dst, "overwrite");
            HostFiles.mkdirs(sh, a.disk().vmFolder());
            long start = System.nanoTime();
            if (a.sourceOnFrontend()) {
                requireTarget(sh, dst, folder);
                fromFrontend.copy(a.source().path(), folder, a.host(), dst, settings.copyTimeout());
            } else if (a.source().host().equals(a.host())) {
                folder = hostKind(sh, a);
                requireTarget(sh, dst, folder);
                HostFiles.copyWithinHost(sh, a.source().path(), dst, folder, settings.copyTimeout());
            } else {
                try (HostShell src = hosts.open(a.source().host())) {
                    folder = hostKind(src, a);
                    requireTarget(sh, dst, folder);
                    hostToHost.copy(src, a.source().path() + (folder ? "/" : ""), a.host(), dst,
                            new FileTransfer.Options(folder, java.util.List.of(), false, settings.copyTimeout()));
                }
            }
            log.info("{}: copied {} to {}:{} in {} ms", action, a.source(), a.host(), dst,
                    (System.nanoTime() - start) / 1_000_000);
        }
    }

    private static boolean frontendKind(TmArgs.Clone a) {
        Path p = Path.of(a.source().path());
        if (Files.isDirectory(p)) {
            return true;
        }
        if (!Files.isRegularFile(p)) {
            throw new ActionFailedException("image " + p + " does not exist on the front-end");
        }
        return false;
    }

    private static boolean hostKind(HostShell sh, TmArgs.Clone a) {
        Kind k = HostFiles.kind(sh, a.source().path());
        if (k != Kind.DIR && k != Kind.FILE) {
            throw new ActionFailedException("image " + a.source() + " is not a file or folder (" + k + ")");
        }
        return k == Kind.DIR;
    }

    /** rsync would put a file inside an existing folder of the same name: refuse instead of nesting. */
    private static void requireTarget(HostShell sh, String dst, boolean folder) {
        Kind k = HostFiles.kind(sh, dst);
        if (k == Kind.OTHER || (k == Kind.DIR && !folder) || (k == Kind.FILE && folder)) {
            throw new ActionFailedException(sh.host() + ":" + dst + " exists as a " + k.name().toLowerCase()
                    + ", the image is a " + (folder ? "folder" : "file"));
        }
    }
}
