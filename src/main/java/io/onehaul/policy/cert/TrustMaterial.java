package io.onehaul.policy.cert;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.cert.X509CRLEntryHolder;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.ContentVerifierProvider;

/**
 * The front-end's trust material: the PCA's certificate (trust anchor) and its latest revocation list.
 * Loading never throws; what could not be loaded is remembered and reported by {@link #problems}, so a
 * policy decision over it fails closed with a reason instead of an exception. Everything after loading
 * is pure (the time is a parameter).
 */
public final class TrustMaterial {
    private static final long MAX_FILE_BYTES = 16L * 1024 * 1024;

    private final X509CertificateHolder anchor;
    private final Finding<TrustProblem> anchorProblem;
    private final X509CRLHolder crl;
    private final Finding<TrustProblem> crlProblem;
    private final ContentVerifierProvider verifier;

    private TrustMaterial(X509CertificateHolder anchor, Finding<TrustProblem> anchorProblem, X509CRLHolder crl,
                          Finding<TrustProblem> crlProblem) {
        ContentVerifierProvider v = null;
        if (anchor != null) {
            try {
                v = JcaSignatures.verifier(anchor);
            } catch (Exception e) {
                anchorProblem = new Finding<>(TrustProblem.ANCHOR_INVALID,
                        "PCA certificate key is unusable: " + AttributeCertificateCodec.message(e));
            }
        }
        this.anchor = anchor;
        this.anchorProblem = anchorProblem;
        this.crl = crl;
        this.crlProblem = crlProblem;
        this.verifier = anchorProblem == null ? v : null;
    }

    /** Already parsed material; a null argument counts as missing. */
    public static TrustMaterial of(X509CertificateHolder anchor, X509CRLHolder crl) {
        return new TrustMaterial(anchor, anchor == null ? new Finding<>(TrustProblem.ANCHOR_MISSING, "no PCA certificate") : null,
                crl, crl == null ? new Finding<>(TrustProblem.CRL_MISSING, "no revocation list") : null);
    }

    /** Reads the PCA certificate and CRL files (PEM or DER). Never throws. */
    public static TrustMaterial load(Path anchorFile, Path crlFile) {
        X509CertificateHolder anchor = null;
        Finding<TrustProblem> anchorProblem = null;
        try {
            anchor = Pem.readCertificate(read(anchorFile));
        } catch (NoSuchFileException e) {
            anchorProblem = new Finding<>(TrustProblem.ANCHOR_MISSING, "PCA certificate " + anchorFile + " does not exist");
        } catch (IOException | CertificateFormatException e) {
            anchorProblem = new Finding<>(TrustProblem.ANCHOR_INVALID, "PCA certificate " + anchorFile + ": "
                    + AttributeCertificateCodec.message(e));
        }
        X509CRLHolder crl = null;
        Finding<TrustProblem> crlProblem = null;
        try {
            crl = Pem.readCrl(read(crlFile));
        } catch (NoSuchFileException e) {
            crlProblem = new Finding<>(TrustProblem.CRL_MISSING, "revocation list " + crlFile + " does not exist");
        } catch (IOException | CertificateFormatException e) {
            crlProblem = new Finding<>(TrustProblem.CRL_MALFORMED, "revocation list " + crlFile + ": "
                    + AttributeCertificateCodec.message(e));
        }
        return new TrustMaterial(anchor, anchorProblem, crl, crlProblem);
    }

    private static byte[] read(Path f) throws IOException {
        if (f == null) {
            throw new NoSuchFileException("(not configured)");
        }
        if (Files.isRegularFile(f) && Files.size(f) > MAX_FILE_BYTES) {
            throw new IOException("larger than 16 MiB");
        }
        return Files.readAllBytes(f);
    }

    public Optional<X509CertificateHolder> anchor() {
        return Optional.ofNullable(anchor);
    }

    public Optional<X509CRLHolder> crl() {
        return Optional.ofNullable(crl);
    }

    /** Verifies signatures made by the PCA; empty when the anchor is missing or its key unusable. */
    public Optional<ContentVerifierProvider> verifier() {
        return Optional.ofNullable(verifier);
    }

    /** Everything that makes this material unfit for a decision at {@code now}; empty when it is fit. */
    public List<Finding<TrustProblem>> problems(Instant now, Duration skew) {
        List<Finding<TrustProblem>> out = new ArrayList<>();
        if (anchorProblem != null) {
            out.add(anchorProblem);
        } else {
            anchorProblems(now, skew, out);
        }
        if (crlProblem != null) {
            out.add(crlProblem);
        } else {
            crlProblems(now, skew, out);
        }
        return out;
    }

    private void anchorProblems(Instant now, Duration skew, List<Finding<TrustProblem>> out) {
        BasicConstraints bc = BasicConstraints.fromExtensions(anchor.getExtensions());
        if (bc == null || !bc.isCA()) {
            out.add(new Finding<>(TrustProblem.ANCHOR_INVALID,
                    "PCA certificate " + anchor.getSubject() + " is not a CA certificate"));
        }
        if (anchor.getNotAfter().toInstant().plus(skew).isBefore(now)) {
            out.add(new Finding<>(TrustProblem.ANCHOR_INVALID, "PCA certificate expired at " + anchor.getNotAfter().toInstant()));
        } else if (anchor.getNotBefore().toInstant().minus(skew).isAfter(now)) {
            out.add(new Finding<>(TrustProblem.ANCHOR_INVALID,
                    "PCA certificate is not valid before " + anchor.getNotBefore().toInstant()));
        }
    }

    private void crlProblems(Instant now, Duration skew, List<Finding<TrustProblem>> out) {
        if (verifier != null) {
            boolean signed;
            try {
                signed = crl.getIssuer().equals(anchor.getSubject()) && crl.isSignatureValid(verifier);
            } catch (Exception e) {
                signed = false;
            }
            if (!signed) {
                out.add(new Finding<>(TrustProblem.CRL_BAD_SIGNATURE, "revocation list issued by " + crl.getIssuer()
                        + " does not carry a valid signature of the PCA " + anchor.getSubject()));
            }
        }
        if (!crl.getCriticalExtensionOIDs().isEmpty()) {
            out.add(new Finding<>(TrustProblem.CRL_MALFORMED, "revocation list has unknown critical extensions"));
        }
        if (crl.getNextUpdate() == null) {
            out.add(new Finding<>(TrustProblem.CRL_MALFORMED, "revocation list has no nextUpdate"));
        } else if (crl.getNextUpdate().toInstant().plus(skew).isBefore(now)) {
            out.add(new Finding<>(TrustProblem.CRL_STALE, "revocation list expired at " + crl.getNextUpdate().toInstant()
                    + ": the PCA must publish a new one"));
        }
        if (crl.getThisUpdate().toInstant().minus(skew).isAfter(now)) {
            out.add(new Finding<>(TrustProblem.CRL_NOT_YET_VALID, "revocation list is dated " + crl.getThisUpdate().toInstant()));
        }
    }

    /** When the CRL (whatever its state) lists {@code serial}; empty when it does not or there is none. */
    public Optional<Instant> revokedAt(BigInteger serial) {
        if (crl == null) {
            return Optional.empty();
        }
        X509CRLEntryHolder e = crl.getRevokedCertificate(serial);
        return e == null ? Optional.empty() : Optional.of(e.getRevocationDate().toInstant());
    }
}
