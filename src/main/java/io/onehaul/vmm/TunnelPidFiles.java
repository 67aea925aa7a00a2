package io.onehaul.vmm;

/**
 * Where a migration's SSH tunnels keep their ssh's pid on the source host: one file per container, since
 * oned migrates different VMs at once; {@link StaleHold} ends the tunnels of a driver that died.
 */
final class TunnelPidFiles {
    private TunnelPidFiles() {}

    /** The source's forward to the destination's page server (streamed). */
    static String pageServer(String container) {
        return "/tmp/onehaul-tunnel-" + container + ".pid";
    }

    /** The destination's reverse forward to the source's lazy page service (post-copy). */
    static String lazyPages(String container) {
        return "/tmp/onehaul-lazy-tunnel-" + container + ".pid";
    }
}
