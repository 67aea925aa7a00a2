package io.onehaul.criu;

import io.onehaul.host.Shell;

/**
 * Where a save's checkpoint lives on a host, and the shell that makes it verifiable. oned names one path
 * (CHECKPOINT_FILE, used as a folder); CRIU dumps beside it, into {@code <path>.partial}, and only a whole
 * dump becomes {@code <path>}: the host itself writes a manifest (every file and its size) last, flushes the
 * files and renames the folder into place. So {@code <path>} either does not exist or holds a dump CRIU
 * finished, whatever happened to the driver or the host meanwhile, and a restore can check it file by file
 * first (a truncated or missing image refuses the restore before anything changes).
 *
 * <p>A save runs detached on the host (setsid) and leaves its exit status in {@code <path>.saving/rc}: a driver
 * killed or cut off in the middle does not stop it half-way, and the next save or restore waits for it.
 */
public final class CheckpointFolder {
    /** Written last into a finished dump: "SIZE NAME" per file. */
    public static final String MANIFEST = "onehaul.manifest";
    /** What an older OneHaul marked a finished dump with (no sizes): still accepted. */
    static final String LEGACY_MARK = "onehaul.complete";
    /** The verifier's exit status for "not a complete checkpoint" (the reason is its stdout). */
    public static final int INCOMPLETE = 5;

    private final String path;

    public CheckpointFolder(String path) {
        this.path = path;
    }

    public String path() {
        return path;
    }

    /** Where CRIU writes the dump. */
    public String partial() {
        return path + ".partial";
    }

    /** The detached save's own files: pid, out (lxc-checkpoint's output), rc (its exit status, written last). */
    public String saving() {
        return path + ".saving";
    }

    /**
     * Before a dump of a running container: nothing of an earlier save may be mistaken for this one (a
     * checkpoint of a container that runs again is stale anyway).
     */
    public String clearCommand() {
        return "rm -rf " + q(path) + " " + q(partial()) + " " + q(saving()) + " && mkdir -p " + q(partial()) + " "
                + q(saving());
    }

    /**
     * Starts {@code dump} (the lxc-checkpoint line, writing into {@link #partial}) detached from the SSH
     * session; when it succeeded the host adds the manifest, flushes, renames the folder into place, and only
     * then writes rc. A failed dump leaves rc and no {@code <path>}.
     */
    public String startDetachedCommand(String dump) {
        String w = saving();
        String finish = "cd " + q(partial()) + " && stat -c '%s %n' -- * > " + MANIFEST + ".tmp && sync -- * && mv "
                + MANIFEST + ".tmp " + MANIFEST + " && sync . && cd / && mv " + q(partial()) + " " + q(path)
                + " && sync " + q(parentOf(path));
        String body = "( " + dump + " ) </dev/null >" + q(w + "/out") + " 2>&1; rc=$?; "
                + "if [ $rc -eq 0 ]; then ( " + finish + " ) >>" + q(w + "/out") + " 2>&1 || rc=90; fi; "
                + "echo $rc > " + q(w + "/rc.tmp") + " && mv " + q(w + "/rc.tmp") + " " + q(w + "/rc");
        // -w: setsid waits for its child, so $! (recorded before this command returns) lives as long as the save,
        // and its command line names the folder (a pid reused after a reboot does not)
        return "setsid -w sh -c " + Shell.quote(body + " # onehaul-save " + w) + " </dev/null >/dev/null 2>&1 & echo $! > "
                + q(w + "/pid");
    }

    /**
     * Waits (on the host) for a detached save of this checkpoint: prints its exit status, or "none" when no
     * save is under way or left a status, or "gone" when its process died without one (the host went down
     * under it). Exit 124-like timeouts come from the caller's command timeout.
     */
    public String awaitCommand() {
        String w = saving();
        return "w=" + q(w) + "; [ -d \"$w\" ] || { echo none; exit 0; }; "
                + "while [ ! -f \"$w/rc\" ]; do "
                + "p=$(cat \"$w/pid\" 2>/dev/null); "
                + "if [ -z \"$p\" ] || ! tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null | grep -qF \"onehaul-save $w\"; then "
                + "[ -f \"$w/rc\" ] || { echo gone; exit 0; }; fi; sleep 0.05; done; cat \"$w/rc\"";
    }

    /** Removes the finished save's own files (its dump is in place, or failed and is removed too). */
    public String forgetCommand() {
        return "rm -rf " + q(saving()) + " " + q(partial());
    }

    /**
     * Exit 0 when {@code <path>} is a complete checkpoint; else exit {@value #INCOMPLETE} with the reason on
     * stdout. Read-only.
     */
    public String verifyCommand() {
        String p = q(path);
        return "[ -d " + p + " ] || { if [ -d " + q(partial()) + " ]; then echo 'there is only a partial dump beside it:"
                + " the save did not finish'; else echo 'there is no checkpoint'; fi; exit " + INCOMPLETE + "; }; cd " + p + " || exit " + INCOMPLETE + "; "
                + "if [ ! -f " + MANIFEST + " ]; then "
                + "[ -f " + LEGACY_MARK + " ] && [ -f inventory.img ] && exit 0; "
                + "echo 'it has no manifest: the save did not finish'; exit " + INCOMPLETE + "; fi; "
                + "[ -f inventory.img ] || { echo 'inventory.img is missing'; exit " + INCOMPLETE + "; }; "
                + "while read -r size name; do "
                + "[ \"$name\" = " + MANIFEST + ".tmp ] && continue; "
                + "[ -f \"$name\" ] || { echo \"$name is missing\"; exit " + INCOMPLETE + "; }; "
                + "s=$(stat -c %s -- \"$name\"); "
                + "[ \"$s\" = \"$size\" ] || { echo \"$name has $s bytes, the dump wrote $size\"; exit " + INCOMPLETE + "; }; "
                + "done < " + MANIFEST;
    }

    private static String q(String s) {
        return Shell.quote(s);
    }

    private static String parentOf(String p) {
        int i = p.lastIndexOf('/');
        return i <= 0 ? "/" : p.substring(0, i);
    }
}
