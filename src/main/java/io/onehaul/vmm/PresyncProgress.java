package io.onehaul.vmm;

import io.onehaul.migration.Phase;
import io.onehaul.progress.MigrationProgress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The pre-sync's bytes as one count: the folder's copy and then each disk image's snapshot are separate
 * copies, each counting from 0, but the operator watches one pre-sync against one total (measured before
 * the first copy, -1 when that failed). A copy that is resumed after a broken connection counts again
 * from 0 in its own slot, so nothing is counted twice.
 */
final class PresyncProgress {
    private final MigrationProgress progress;
    private final long total;
    private final List<Long> copies = new ArrayList<>();

    PresyncProgress(MigrationProgress progress, long total) {
        this.progress = progress;
        this.total = total;
    }

    /** The listener for the next copy (called from the thread that reads the copy's output). */
    synchronized LongConsumer nextCopy() {
        int slot = copies.size();
        copies.add(0L);
        return bytes -> copied(slot, bytes);
    }

    private void copied(int slot, long bytes) {
        long done;
        synchronized (this) {
            copies.set(slot, bytes);
            done = copies.stream().mapToLong(Long::longValue).sum();
        }
        progress.phase(Phase.PRESYNC.label(), done, total);
    }
}
