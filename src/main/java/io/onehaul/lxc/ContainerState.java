package io.onehaul.lxc;

/** What {@code lxc-info -s} says, plus "not defined on this host at all". */
public enum ContainerState {
    RUNNING, STOPPED, FROZEN, STARTING, STOPPING, ABORTING, FREEZING, THAWED, UNDEFINED;

    static ContainerState parse(String s) {
        try {
            return valueOf(s.strip());
        } catch (IllegalArgumentException e) {
            return UNDEFINED;
        }
    }
}
