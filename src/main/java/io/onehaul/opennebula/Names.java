package io.onehaul.opennebula;

/** Validation of the names oned passes in argv, so that nothing hostile reaches a path or a shell. */
public final class Names {
    private Names() {}

    public static int vmid(String s) {
        if (s == null || !s.matches("\\d{1,9}")) {
            throw new BadInputException("VM id must be a non-negative number, got '" + s + "'");
        }
        return Integer.parseInt(s);
    }

    public static String host(String s) {
        if (s == null || s.isEmpty() || s.length() > 253 || s.startsWith("-") || !s.matches("[A-Za-z0-9_.:-]+")) {
            throw new BadInputException("'" + s + "' is not a valid host name");
        }
        return s;
    }

    /** A container name as LXC stores it (a directory under the lxcpath). */
    public static String deployId(String s) {
        if (s == null || s.isEmpty() || s.length() > 64 || s.startsWith("-") || s.startsWith(".")
                || !s.matches("[A-Za-z0-9_.-]+")) {
            throw new BadInputException("'" + s + "' is not a valid container name (deploy id)");
        }
        return s;
    }

    /** An absolute path without traversal or characters a shell or LXC config would misread. */
    public static String absolutePath(String s, String what) {
        if (s == null || !s.startsWith("/") || s.contains("/../") || s.endsWith("/..") || s.contains("\n")
                || s.contains("\0") || !s.matches("[A-Za-z0-9_./+=@%,:-]+")) {
            throw new BadInputException(what + " '" + s + "' is not a plain absolute path");
        }
        return s;
    }
}
