package io.onehaul.tm;

import io.onehaul.host.HostShell;
import io.onehaul.host.HostShellFactory;
import io.onehaul.host.Shell;
import io.onehaul.tm.HostFiles.Kind;
import io.onehaul.vmm.ActionFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * delete, mkimage and mkswap: the actions that make or remove one path of a VM folder on one host.
 * New disks are built under a temporary name and renamed, so a disk.N that exists is always whole.
 */
public final class DiskFiles {
    private static final Logger log = LoggerFactory.getLogger(DiskFiles.class);

    private final TmSettings settings;
    private final HostShellFactory hosts;

    public DiskFiles(TmSettings settings, HostShellFactory hosts) {
        this.settings = settings;
        this.hosts = hosts;
    }

    /** rm -rf of a VM folder or disk; already gone is success; never while the container uses it. */
    public void delete(TmArgs.Delete a) {
        try (HostShell sh = hosts.open(a.host())) {
            if (HostFiles.kind(sh, a.target().path()) == Kind.MISSING) {
                log.info("{}:{} is already gone", a.host(), a.target());
                return;
            }
            FolderGuard.requireUnused(sh, settings.lxcPath(), a.vmid(), a.target().path(), "delete");
            HostFiles.removeTree(sh, a.target().path(), settings.copyTimeout());
            log.info("deleted {}:{}", a.host(), a.target());
        }
    }

    /** A sparse raw file holding an empty ext4 file system: what the VMM loop-mounts for a volatile disk. */
    public void mkimage(TmArgs.NewDisk a) {
        make(a, "truncate -s " + a.sizeMb() + "M \"$t\" && mkfs.ext4 -F -q \"$t\"", "ext4 image");
    }

    /** A swap file (sparse, as the stock TM makes it; LXC containers do not use swap disks). */
    public void mkswap(TmArgs.NewDisk a) {
        make(a, "truncate -s " + a.sizeMb() + "M \"$t\" && mkswap -L swap \"$t\" >/dev/null", "swap file");
    }

    private void make(TmArgs.NewDisk a, String build, String what) {
        String path = a.disk().path();
        try (HostShell sh = hosts.open(a.host())) {
            FolderGuard.requireUnused(sh, settings.lxcPath(), a.vmid(), path, "overwrite");
            Kind k = HostFiles.kind(sh, path);
            if (k != Kind.MISSING && k != Kind.FILE) {
                throw new ActionFailedException(a.host() + ":" + path + " exists and is not a file (" + k + ")");
            }
            HostFiles.mkdirs(sh, a.disk().vmFolder());
            String tmp = Shell.quote(path + ".onehaul-new");
            sh.check("making the " + what + " " + path, "t=" + tmp + "; rm -f \"$t\" && " + build
                    + " && mv -f \"$t\" " + Shell.quote(path) + " || { rc=$?; rm -f \"$t\"; exit $rc; }",
                    settings.copyTimeout());
            log.info("made {}:{}: {} MB {}", a.host(), path, a.sizeMb(), what);
        }
    }
}
