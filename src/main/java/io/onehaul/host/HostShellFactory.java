package io.onehaul.host;

/** Port: opens a {@link HostShell} to a host named as OpenNebula names it. */
@FunctionalInterface
public interface HostShellFactory {
    HostShell open(String host);
}
