package io.onehaul.lxc;

/**
 * One disk of the container as the host will present it: {@code source} is the file or folder in the
 * system datastore; {@code hostPath} is what LXC sees (the folder itself, or where the image is
 * loop-mounted); {@code containerPath} is where it appears inside (empty for the rootfs).
 */
public record PreparedDisk(int diskId, Role role, String source, String hostPath, boolean loopMount,
                           boolean readOnly, String containerPath) {
    public enum Role { ROOT, DATA, CONTEXT }

    /** A folder of generated context files (when oned's context ISO is not on the host). */
    public boolean generatedContext() {
        return role == Role.CONTEXT && source.isEmpty();
    }
}
