package io.onehaul.tm;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostException;
import io.onehaul.host.HostShell;
import io.onehaul.host.Shell;
import java.time.Duration;
import java.util.List;

/** The few file operations the TM does on a host, each one quoted shell line over a {@link HostShell}. */
final class HostFiles {
    static final Duration QUICK = Duration.ofSeconds(60);

    enum Kind { DIR, FILE, MISSING, OTHER }

    private HostFiles() {}

    static Kind kind(HostShell sh, String path) {
        String q = Shell.quote(path);
        CommandResult r = sh.run("if [ -L " + q + " ]; then echo OTHER; elif [ -d " + q + " ]; then echo DIR; elif [ -f "
                + q + " ]; then echo FILE; elif [ -e " + q + " ]; then echo OTHER; else echo MISSING; fi", QUICK);
        if (!r.ok()) {
            throw new HostException(sh.host(), "inspecting " + path + " failed: " + r.reason());
        }
        return Kind.valueOf(r.stdout().strip());
    }

    static void mkdirs(HostShell sh, String dir) {
        sh.check("creating " + dir, "mkdir -p " + Shell.quote(dir), QUICK);
    }

    /**
     * rm -rf that never crosses into another file system: a loop-mounted image below the folder keeps its
     * content even if a mount check raced with a new mount.
     */
    static void removeTree(HostShell sh, String path, Duration timeout) {
        sh.check("removing " + path, "rm -rf --one-file-system -- " + Shell.quote(path), timeout);
    }

    /** Mount points at or below {@code path} in the host's mount table. */
    static List<String> mountsUnder(HostShell sh, String path) {
        String p = Shell.quote(path);
        CommandResult r = sh.run("awk -v p=" + p + " '$2 == p || index($2, p \"/\") == 1 {print $2}' /proc/mounts",
                QUICK);
        if (!r.ok()) {
            throw new HostException(sh.host(), "reading the mount table failed: " + r.reason());
        }
        return r.stdout().lines().filter(l -> !l.isBlank()).toList();
    }

    /**
     * Every entry of a folder tree with its type, mode, numeric owner, (file) size and link target,
     * sorted. The same listing on both hosts = the copy is complete; file contents are left to rsync,
     * which checks every file it transfers against a whole-file checksum.
     */
    static List<String> listing(HostShell sh, String dir, Duration timeout) {
        String cmd = "cd " + Shell.quote(dir) + " && { find . -mindepth 1 ! -type d -printf '%y %m %U:%G %s %P -> %l\\n'"
                + " && find . -mindepth 1 -type d -printf '%y %m %U:%G %P\\n'; } | LC_ALL=C sort";
        CommandResult r = sh.run(cmd, timeout);
        if (!r.ok()) {
            throw new HostException(sh.host(), "listing " + dir + " failed: " + r.reason());
        }
        return r.stdout().lines().toList();
    }

    /**
     * Copy within one host (a datastore change without a host change): rsync with the same semantics as
     * the host-to-host copy (sparse, hard links, owners, --delete for folders) but no network.
     */
    static void copyWithinHost(HostShell sh, String src, String dst, boolean folder, Duration timeout) {
        String cmd = "rsync -aHS --numeric-ids" + (folder ? " --delete " + Shell.quote(src + "/") : " " + Shell.quote(src))
                + " " + Shell.quote(dst);
        sh.check("copying " + src + " to " + dst, cmd, timeout);
    }
}
