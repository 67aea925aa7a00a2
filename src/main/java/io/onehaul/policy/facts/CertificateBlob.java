package io.onehaul.policy.facts;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * The certificate attribute of a template after base64 decoding: absent, unusable (with why), or DER
 * bytes still to be parsed and verified. Decoding here (not in the decision) keeps "the template holds
 * garbage" a fact with a reason instead of an exception.
 */
public final class CertificateBlob {
    public enum State { ABSENT, MALFORMED, PRESENT }

    private static final CertificateBlob ABSENT = new CertificateBlob(State.ABSENT, null, "no certificate");

    private final State state;
    private final byte[] der;
    private final String problem;

    private CertificateBlob(State state, byte[] der, String problem) {
        this.state = state;
        this.der = der;
        this.problem = problem;
    }

    public static CertificateBlob absent() {
        return ABSENT;
    }

    public static CertificateBlob malformed(String problem) {
        return new CertificateBlob(State.MALFORMED, null, Objects.requireNonNull(problem, "problem"));
    }

    public static CertificateBlob of(byte[] der) {
        if (der == null || der.length == 0) {
            return malformed("empty certificate");
        }
        return new CertificateBlob(State.PRESENT, der.clone(), null);
    }

    /**
     * Base64 as an operator pastes it into a template: whitespace and line breaks anywhere are ignored,
     * and PEM armour lines ("-----BEGIN ...-----") are tolerated. Blank text means absent.
     */
    public static CertificateBlob fromBase64(String text) {
        if (text == null || text.isBlank()) {
            return ABSENT;
        }
        StringBuilder b64 = new StringBuilder(text.length());
        for (String line : text.split("\\R")) {
            String l = line.strip();
            if (!(l.startsWith("-----BEGIN ") || l.startsWith("-----END "))) {
                b64.append(l.replaceAll("\\s+", ""));
            }
        }
        try {
            return of(Base64.getDecoder().decode(b64.toString()));
        } catch (IllegalArgumentException e) {
            return malformed("not base64: " + e.getMessage());
        }
    }

    /**
     * A certificate file as an operator has it: base64 (with or without PEM armour) or raw DER. Text is
     * recognised by consisting of printable ASCII and whitespace only, which DER never does in practice.
     */
    public static CertificateBlob fromFileContent(byte[] content) {
        if (content == null || content.length == 0) {
            return ABSENT;
        }
        for (byte b : content) {
            if (!(b >= 0x20 && b < 0x7f || b == '\n' || b == '\r' || b == '\t')) {
                return of(content);
            }
        }
        return fromBase64(new String(content, java.nio.charset.StandardCharsets.US_ASCII));
    }

    public State state() {
        return state;
    }

    public boolean isPresent() {
        return state == State.PRESENT;
    }

    /** The DER bytes (a copy); only for {@link State#PRESENT}. */
    public byte[] der() {
        if (der == null) {
            throw new IllegalStateException("certificate is " + state);
        }
        return der.clone();
    }

    /** Why it is unusable, for {@link State#ABSENT} and {@link State#MALFORMED}; null otherwise. */
    public String problem() {
        return problem;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CertificateBlob c && state == c.state && Arrays.equals(der, c.der)
                && Objects.equals(problem, c.problem);
    }

    @Override
    public int hashCode() {
        return Objects.hash(state, Arrays.hashCode(der), problem);
    }

    @Override
    public String toString() {
        return state == State.PRESENT ? "CertificateBlob[" + der.length + " bytes]"
                : "CertificateBlob[" + state + ": " + problem + "]";
    }
}
