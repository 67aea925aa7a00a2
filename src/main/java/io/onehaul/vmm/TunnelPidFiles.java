package io.onehaul.vmm;

/**
 * Where a migration's SSH tunnels keep their ssh's pid on the source host: a root-only folder per container
 * under /run, named from the VM alone, so whoever cleans up after a driver that died (failmigrate, the VM's
 * next action: {@link StaleHold}) finds them without anything else the driver knew.
 */
final class TunnelPidFiles {
    /** Emptied at boot, as the processes whose pids it keeps are gone then too. */
    static final String HOME = "/run/onehaul";

    private TunnelPidFiles() {}

    /** The source's forward to the destination's page server (streamed, pre-dump rounds). */
    static String pageServer(String container) {
        return HOME + "/" + container + "/page-tunnel.pid";
    }

    /** The destination's reverse forward to the source's lazy page service (post-copy). */
    static String lazyPages(String container) {
        return HOME + "/" + container + "/lazy-tunnel.pid";
    }
}
