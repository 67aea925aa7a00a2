package io.onehaul.progress;

import io.onehaul.log.VmLogContext;
import io.onehaul.oned.OnedClient;
import io.onehaul.oned.OnedEndpoint;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link MigrationProgress} as attributes of the VM's USER_TEMPLATE ({@link ProgressNote}), written with
 * {@code one.vm.update(vmid, template, 1)}, which Sunstone and {@code onevm show} display as they change.
 *
 * <p>The caller never waits on oned: notes are handed to one sender thread, which sends only the latest
 * (a note that was overtaken is dropped unsent). Only {@link #done}/{@link #failed} wait for their note to
 * reach oned, at most {@link #FINAL_WAIT}, after the migration itself has ended. The first failure to
 * publish is logged once as a warning and ends publishing for this migration: an oned that refused or did
 * not answer once would only add a timeout per note.
 */
public final class OnedProgress implements MigrationProgress {
    private static final Logger log = LoggerFactory.getLogger(OnedProgress.class);
    /** oned runs on the front-end with the driver: a connection that takes longer is not coming. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    /** A note is a small update; an oned that takes longer is busy with something that matters more. */
    public static final Duration REPLY_TIMEOUT = Duration.ofSeconds(5);
    /** How long the end of an action may wait for its final note to reach oned. */
    public static final Duration FINAL_WAIT = REPLY_TIMEOUT;

    /** The one call this adapter makes: {@code one.vm.update} in merge mode. */
    @FunctionalInterface
    public interface VmUpdate {
        void mergeIntoUserTemplate(int vmid, String template);
    }

    private final int vmid;
    private final VmUpdate oned;
    private final Clock clock;
    private final Object lock = new Object();
    private ProgressNote next;
    private String lastPhase = "";
    private boolean ending;
    private volatile boolean broken;
    private Thread sender;

    public OnedProgress(int vmid, VmUpdate oned, Clock clock) {
        this.vmid = vmid;
        this.oned = Objects.requireNonNull(oned, "oned");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Through a client with this adapter's short timeouts, behind the {@link ThrottledProgress} rule. */
    public static MigrationProgress forVm(int vmid, OnedEndpoint endpoint, Clock clock) {
        OnedClient client = new OnedClient(endpoint, CONNECT_TIMEOUT, REPLY_TIMEOUT);
        return new ThrottledProgress(new OnedProgress(vmid, (id, t) -> client.vmUpdate(id, t, true), clock), clock);
    }

    @Override
    public void phase(String name, long bytesDone, long bytesTotal) {
        synchronized (lock) {
            if (ending || broken) {
                return;
            }
            lastPhase = name;
            offer(ProgressNote.running(name, bytesDone, bytesTotal, clock.instant()));
        }
    }

    @Override
    public void done(String summary) {
        end(ProgressNote.State.DONE, summary);
    }

    @Override
    public void failed(String reason) {
        end(ProgressNote.State.FAILED, reason);
    }

    private void end(ProgressNote.State state, String text) {
        Thread t;
        synchronized (lock) {
            if (ending || broken) {
                return;
            }
            offer(ProgressNote.ended(state, lastPhase, text, clock.instant()));
            ending = true;
            lock.notifyAll();
            t = sender;
        }
        try {
            t.join(FINAL_WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            log.warn("the migration's final state ({}) did not reach oned within {} s: VM {}'s {} may still say running",
                    state, FINAL_WAIT.toSeconds(), vmid, ProgressNote.STATE);
        }
    }

    /** Under the lock: the note replaces any not yet sent; the sender starts with the first note. */
    private void offer(ProgressNote note) {
        next = note;
        if (sender == null) {
            sender = new Thread(this::sendLoop, "onehaul-progress-" + vmid);
            sender.setDaemon(true); // never keeps the driver's JVM alive
            sender.start();
        }
        lock.notifyAll();
    }

    private void sendLoop() {
        // one_vmm_exec files a tagged stderr line under the VM only when it carries the VM id
        VmLogContext.setVm(vmid);
        while (true) {
            ProgressNote note;
            synchronized (lock) {
                while (next == null && !ending) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (next == null) {
                    return;
                }
                note = next;
                next = null;
            }
            if (!broken) {
                send(note);
            }
        }
    }

    private void send(ProgressNote note) {
        try {
            oned.mergeIntoUserTemplate(vmid, note.template());
        } catch (RuntimeException e) {
            broken = true;
            log.warn("migration progress of VM {} could not be published through oned ({}): no further progress "
                    + "attributes for this migration; the migration itself goes on", vmid, e.getMessage());
        }
    }
}
