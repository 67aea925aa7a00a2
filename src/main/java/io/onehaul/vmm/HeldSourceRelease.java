package io.onehaul.vmm;

import io.onehaul.criu.Checkpointer;
import io.onehaul.criu.HeldDump;
import io.onehaul.lxc.ContainerState;
import io.onehaul.lxc.LxcHost;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a held source go on: the dump is aborted (CRIU resumes the tasks), CRIU's network lock is cleared
 * and the freezer thawed when a CRIU that died left them, and the work folder goes. Used by the rollback
 * of a running migration and by {@link StaleHold} for a hold whose driver is gone.
 */
final class HeldSourceRelease {
    private static final Logger log = LoggerFactory.getLogger(HeldSourceRelease.class);

    private HeldSourceRelease() {}

    /**
     * @param held            the dump (null: none was started)
     * @param servingPages    a lazy dump that may still serve pages: it reads no decision until it ends
     * @param decisionTimeout how long CRIU may take to act on the abort
     * @return true if the container runs on the source afterwards
     */
    static boolean resume(LxcHost src, String container, HeldDump held, boolean servingPages, Duration decisionTimeout) {
        if (held != null && held.started()) {
            if (servingPages) {
                // still serving pages (not at post-dump): no decision is read until it ends, so end it; its
                // tasks go on with their memory and only CRIU's network lock is left to clear
                held.endPageService();
            }
            try {
                int rc = held.abort(decisionTimeout);
                log.info("dump aborted on {} (CRIU exit {}): the source goes on", src.host(), rc);
            } catch (RuntimeException e) {
                // a CRIU that is gone writes no exit status: what it left (lock, freezer) is undone below
                log.warn("the dump on {} did not report its end after the abort ({}): resuming what it left", src.host(),
                        e.getMessage());
            }
        }
        if (held != null) {
            held.remove();
        }
        // a CRIU that died while holding leaves its network lock (iptables chain CRIU, all traffic dropped) in
        // the container's namespace, and can leave the freezer frozen (docs/criu-lxc-notes.md)
        new Checkpointer(src, null, decisionTimeout).recoverFromFailedDump(container);
        boolean running = src.state(container) == ContainerState.RUNNING;
        if (!running) {
            log.error("{} is not running on {} after the rollback", container, src.host());
        }
        return running;
    }
}
