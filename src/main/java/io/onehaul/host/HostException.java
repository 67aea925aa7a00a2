package io.onehaul.host;

/** A host could not be reached, or a command on it failed in a way the caller cannot handle. */
public class HostException extends RuntimeException {
    private final String host;

    public HostException(String host, String message) {
        super(host + ": " + message);
        this.host = host;
    }

    public HostException(String host, String message, Throwable cause) {
        super(host + ": " + message, cause);
        this.host = host;
    }

    public String host() {
        return host;
    }
}
