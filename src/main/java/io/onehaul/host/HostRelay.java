package io.onehaul.host;

/**
 * A port on a host's 127.0.0.1 that leads, through the front-end's SSH connection to that host, to a
 * target the front-end reaches (a host of another provider that this host cannot reach). The traffic
 * goes host → front-end → target as it flows: nothing is stored on the front-end, and no port opens on
 * any provider's network. Closing it cancels the forward.
 */
public interface HostRelay extends AutoCloseable {
    /** The port on the host's 127.0.0.1. */
    int port();

    /** What the port leads to, as "host:port". */
    String target();

    @Override
    void close();
}
