package io.onehaul.policy.cert;

/** Bytes that are not a OneHaul attribute certificate (or CRL, key, certificate) as expected. */
public class CertificateFormatException extends Exception {
    public CertificateFormatException(String message) {
        super(message);
    }

    public CertificateFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
