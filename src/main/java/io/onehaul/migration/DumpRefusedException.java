package io.onehaul.migration;

/**
 * CRIU refused to dump the container (a resource it cannot checkpoint: the message is the fatal line of
 * its log). Nothing was frozen; the container runs on the source as before. Only this failure may turn
 * into a cold move, and only where the operator allows it.
 */
public final class DumpRefusedException extends RuntimeException {
    public DumpRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
