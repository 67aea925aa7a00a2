package io.onehaul.transfer;

import io.onehaul.host.HostShell;
import java.time.Duration;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Port: copy a file or folder from one host to another with rsync semantics (only what differs is
 * sent; owners, modes, sparse files and hard links kept). Today: host-to-host; a relay through the
 * front-end for providers whose hosts cannot reach each other will be a second adapter.
 */
public interface FileTransfer {
    /**
     * @param source    shell on the source host
     * @param srcPath   path on the source; a trailing "/" copies the folder's content, as rsync does
     * @param dstHost   destination host name (as OpenNebula names it)
     * @param dstPath   path on the destination
     */
    TransferResult copy(HostShell source, String srcPath, String dstHost, String dstPath, Options options);

    /**
     * Writes byte ranges of a file over the same file on another host, in place, and gives it the source's
     * size: the blocks of an image that changed since both copies were equal (the rest is not read).
     *
     * @param ranges "OFFSET LENGTH" per line, sorted, not overlapping
     * @return bytes written on the destination, where they were read back and found equal to the source's
     */
    TransferResult copyRanges(HostShell source, String srcFile, String ranges, long size, String dstHost, String dstFile,
                              java.time.Duration timeout);

    /**
     * The same into a file made (or emptied) first on the destination: what the ranges do not cover reads as
     * zeros there. For a sparse image's first copy, whose holes need not cross the link.
     *
     * @param attempts how many times a copy whose connection broke is sent again (from the start: it is new)
     * @param progress told the bytes sent so far, about once a second (null: nobody)
     */
    default TransferResult copyRangesToNewFile(HostShell source, String srcFile, String ranges, long size, String dstHost,
                                               String dstFile, java.time.Duration timeout, int attempts,
                                               java.util.function.LongConsumer progress) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot copy byte ranges into a new file");
    }

    /**
     * The most bytes per second a copy may put on the link (the operator's cap), 0 for none: a copy's time
     * limit must allow for it ({@link TransferBudget}).
     */
    default long capBytesPerSecond() {
        return 0;
    }

    /**
     * @param flushFirst a command run on the source right before the copy, in the same round trip ("true":
     *                   none), e.g. one that writes the pending writes of mounted images into their files
     * @param attempts   how many times a copy whose connection broke is tried (each resumes: delta, in place)
     * @param progress   told the bytes of file data copied so far while the copy runs (each attempt counts
     *                   from 0 again), or null: nobody watches, and the copy runs as it always did
     */
    record Options(boolean delete, List<String> excludes, boolean inPlace, String flushFirst, Duration timeout,
                   int attempts, LongConsumer progress) {
        public Options(boolean delete, List<String> excludes, boolean inPlace, String flushFirst, Duration timeout,
                       int attempts) {
            this(delete, excludes, inPlace, flushFirst, timeout, attempts, null);
        }

        public Options(boolean delete, List<String> excludes, boolean inPlace, String flushFirst, Duration timeout) {
            this(delete, excludes, inPlace, flushFirst, timeout, 1);
        }

        public Options(boolean delete, List<String> excludes, boolean inPlace, Duration timeout) {
            this(delete, excludes, inPlace, "true", timeout, 1);
        }

        public static Options mirror(Duration timeout, String... excludes) {
            return new Options(true, List.of(excludes), false, "true", timeout, 1);
        }

        public Options withAttempts(int n) {
            return new Options(delete, excludes, inPlace, flushFirst, timeout, n, progress);
        }

        public Options withProgress(LongConsumer listener) {
            return new Options(delete, excludes, inPlace, flushFirst, timeout, attempts, listener);
        }
    }

    /** What rsync reports: bytes actually sent over the wire, and the wall time. */
    record TransferResult(long bytesSent, long totalFileBytes, Duration elapsed) {}
}
