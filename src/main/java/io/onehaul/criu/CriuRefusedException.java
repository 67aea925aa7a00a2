package io.onehaul.criu;

import io.onehaul.host.HostException;

/** CRIU ran and refused (a resource it cannot checkpoint), as opposed to the host or the link failing. */
public final class CriuRefusedException extends HostException {
    public CriuRefusedException(String host, String message) {
        super(host, message);
    }
}
