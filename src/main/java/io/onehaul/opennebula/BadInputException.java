package io.onehaul.opennebula;

/**
 * Input from oned (argv, stdin, XML) or from an operator that cannot be used as it is.
 * Thrown before anything is changed; the CLI turns it into one readable line and exit code 2.
 */
public class BadInputException extends RuntimeException {
    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
