package io.onehaul.hooks;

import io.onehaul.policy.facts.CertificateBlob;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * SHA-256 of a certificate's DER bytes, lower-case hex (what {@code openssl dgst -sha256} prints for the
 * DER file). The audit log names certificates this way so that a record can later be tied to the exact
 * certificate that was judged, even after the template changed.
 */
public final class CertFingerprint {
    private CertFingerprint() {}

    /** Empty when the template holds no certificate or one that is not even base64. */
    public static Optional<String> of(CertificateBlob blob) {
        if (blob == null || !blob.isPresent()) {
            return Optional.empty();
        }
        try {
            return Optional.of(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(blob.der())));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
