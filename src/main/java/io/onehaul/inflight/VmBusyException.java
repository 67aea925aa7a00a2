package io.onehaul.inflight;

/** Another action holds the VM: nothing was done. */
public final class VmBusyException extends RuntimeException {
    public VmBusyException(String message) {
        super(message);
    }
}
