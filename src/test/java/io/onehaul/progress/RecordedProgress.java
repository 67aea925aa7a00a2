package io.onehaul.progress;

import java.util.ArrayList;
import java.util.List;

/** Writes down every call it gets, as "phase pre-sync 10/100", "done …", "failed …". */
public final class RecordedProgress implements MigrationProgress {
    public final List<String> calls = new ArrayList<>();

    @Override
    public synchronized void phase(String name, long bytesDone, long bytesTotal) {
        calls.add("phase " + name + (bytesDone < 0 ? "" : " " + bytesDone + "/" + bytesTotal));
    }

    @Override
    public synchronized void done(String summary) {
        calls.add("done " + summary);
    }

    @Override
    public synchronized void failed(String reason) {
        calls.add("failed " + reason);
    }
}
