package io.onehaul.vmm;

import io.onehaul.host.Scratch;

/**
 * Where a migration's SSH tunnels keep their ssh's pid on the source host: the container's {@link Scratch}
 * folder, named from the VM alone, so whoever cleans up after a driver that died (failmigrate, the VM's
 * next action: {@link StaleHold}) finds them without anything else the driver knew.
 */
final class TunnelPidFiles {
    static final String HOME = Scratch.HOME;

    private TunnelPidFiles() {}

    /** The source's forward to the destination's page server (streamed, pre-dump rounds). */
    static String pageServer(String container) {
        return Scratch.file(container, "page-tunnel.pid");
    }

    /** The destination's reverse forward to the source's lazy page service (post-copy). */
    static String lazyPages(String container) {
        return Scratch.file(container, "lazy-tunnel.pid");
    }
}
