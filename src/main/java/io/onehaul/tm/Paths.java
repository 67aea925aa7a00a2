package io.onehaul.tm;

import io.onehaul.opennebula.BadInputException;
import io.onehaul.opennebula.Names;

/**
 * Path words as the TM scripts get them. oned writes {@code host:path} (split like tm_common.sh's
 * arg_host/arg_path: the host is what precedes the first colon) and may double slashes
 * ({@code $ONE_LOCATION/var//datastores}, reference §10.1), which fix_dir_slashes collapses; so do we.
 */
final class Paths {
    private Paths() {}

    /** {@code host:path} split at the first colon; the path is normalised and must be plain and absolute. */
    static HostPath hostPath(String word, String what) {
        int colon = word == null ? -1 : word.indexOf(':');
        if (colon <= 0) {
            throw new BadInputException(what + " '" + word + "' is not host:path");
        }
        return new HostPath(Names.host(word.substring(0, colon)), plain(word.substring(colon + 1), what));
    }

    /** Collapses repeated slashes and drops a trailing one, then refuses anything but a plain absolute path. */
    static String plain(String path, String what) {
        String p = path == null ? "" : path.replaceAll("/{2,}", "/");
        if (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        Names.absolutePath(p, what);
        for (String seg : p.substring(1).split("/")) {
            if (seg.equals(".") || seg.equals("..") || seg.isEmpty()) {
                throw new BadInputException(what + " '" + path + "' has a '.' or '..' step");
            }
        }
        return p;
    }

    /** {@code child} is {@code parent} itself or lies below it. */
    static boolean within(String child, String parent) {
        return child.equals(parent) || child.startsWith(parent + "/");
    }

    static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i <= 0 ? "/" : path.substring(0, i);
    }

    static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** A host and an absolute path on it. */
    record HostPath(String host, String path) {
        @Override
        public String toString() {
            return host + ":" + path;
        }
    }
}
