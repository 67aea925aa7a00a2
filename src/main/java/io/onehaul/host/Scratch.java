package io.onehaul.host;

/**
 * Where root keeps a container's scratch files on a host (logs of detached commands, tunnel pid files):
 * a folder per container under /run, made mode 700 by whoever writes first, so no other user (and no
 * container) can plant a name there, and named from the container alone, so whoever cleans up after a
 * driver that died finds them. /run is emptied at boot, as the processes these files speak of are gone then.
 */
public final class Scratch {
    public static final String HOME = "/run/onehaul";

    private Scratch() {}

    public static String folder(String container) {
        return HOME + "/" + container;
    }

    public static String file(String container, String name) {
        return folder(container) + "/" + name;
    }

    /** The shell step that makes the file's folder (mode 700) before anything is written there. */
    public static String prepare(String path) {
        String dir = path.substring(0, Math.max(1, path.lastIndexOf('/')));
        return "mkdir -p -m 700 " + Shell.quote(dir);
    }
}
