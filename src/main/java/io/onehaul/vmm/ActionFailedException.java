package io.onehaul.vmm;

/** A driver action could not be carried out; the message is the one-line reason for the VM log. */
public class ActionFailedException extends RuntimeException {
    public ActionFailedException(String message) {
        super(message);
    }

    public ActionFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
