package io.onehaul.policy.guard;

/** The policy (or its inability to decide) forbids this placement; nothing has been changed. */
public class PlacementRefusedException extends RuntimeException {
    public PlacementRefusedException(String message) {
        super(message);
    }
}
