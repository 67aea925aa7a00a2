package io.onehaul.policy.pca;

import io.onehaul.policy.cert.AttributeCertificateCodec;
import io.onehaul.policy.cert.CertificateFormatException;
import io.onehaul.policy.cert.CertifiedAttributes;
import io.onehaul.policy.cert.JcaSignatures;
import io.onehaul.policy.cert.Pem;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509AttributeCertificateHolder;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;

/**
 * The privacy certificate authority: an ECDSA P-256 key with a self-signed CA certificate, issuing
 * OneHaul attribute certificates and the revocation list, with its state in a directory (see
 * {@link PcaFiles}). Uses only the JDK's own crypto providers, so the shaded jar needs no signed
 * BouncyCastle provider. Operations on one directory are serialised with a file lock.
 */
public final class Pca {
    private static final String EC_CURVE = "secp256r1";

    private final PcaFiles files;
    private final PrivateKey key;
    private final X509CertificateHolder certificate;

    private Pca(PcaFiles files, PrivateKey key, X509CertificateHolder certificate) {
        this.files = files;
        this.key = key;
        this.certificate = certificate;
    }

    /** Creates a new PCA in {@code dir} (created 0700 if needed); refuses to overwrite an existing one. */
    public static Pca init(Path dir, String subjectDn, Duration validity, Instant now)
            throws IOException, GeneralSecurityException {
        X500Name subject = new X500Name(subjectDn); // IllegalArgumentException on a malformed DN
        PcaFiles f = new PcaFiles(dir);
        PcaFiles.refuseExisting(f.file(PcaFiles.KEY));
        PcaFiles.refuseExisting(f.file(PcaFiles.CERT));
        f.createDirectory();
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(EC_CURVE), new SecureRandom());
        KeyPair kp = g.generateKeyPair();
        Instant from = now.truncatedTo(ChronoUnit.SECONDS);
        BigInteger serial = new BigInteger(63, new SecureRandom()).setBit(62); // positive, never zero
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial,
                Date.from(from), Date.from(from.plus(validity)), subject, kp.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true,
                new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
        X509CertificateHolder cert = b.build(signer(kp.getPrivate()));
        f.createSecret(PcaFiles.KEY, Pem.encode(Pem.PRIVATE_KEY, kp.getPrivate().getEncoded()));
        f.createNew(PcaFiles.CERT, Pem.encode(Pem.CERTIFICATE, cert.getEncoded()));
        f.createNew(PcaFiles.SERIAL, "1\n");
        f.createNew(PcaFiles.CRL_NUMBER, "1\n");
        f.createNew(PcaFiles.ISSUED, "");
        f.createNew(PcaFiles.REVOKED, "");
        return new Pca(f, kp.getPrivate(), cert);
    }

    public static Pca open(Path dir) throws IOException, CertificateFormatException {
        PcaFiles f = new PcaFiles(dir);
        return new Pca(f, Pem.readPrivateKey(f.readBytes(PcaFiles.KEY)), Pem.readCertificate(f.readBytes(PcaFiles.CERT)));
    }

    public X509CertificateHolder certificate() {
        return certificate;
    }

    public Path directory() {
        return files.dir();
    }

    public Path certificateFile() {
        return files.file(PcaFiles.CERT);
    }

    public Path defaultCrlFile() {
        return files.file(PcaFiles.CRL);
    }

    /** Issues the next serial for {@code attributes}; IllegalArgumentException when they are not certifiable. */
    public X509AttributeCertificateHolder issue(CertifiedAttributes attributes, Instant notBefore, Instant notAfter)
            throws IOException, GeneralSecurityException {
        List<String> problems = AttributeCertificateCodec.problems(attributes);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        if (!notAfter.isAfter(notBefore)) {
            throw new IllegalArgumentException("notAfter must be after notBefore");
        }
        FileLock lock = files.lock();
        try {
            BigInteger serial = counter(PcaFiles.SERIAL);
            X509AttributeCertificateHolder ac = AttributeCertificateCodec.build(attributes, certificate.getSubject(), serial,
                    notBefore.truncatedTo(ChronoUnit.SECONDS), notAfter.truncatedTo(ChronoUnit.SECONDS), signer(key));
            files.append(PcaFiles.ISSUED, serial + " " + ac.getNotAfter().toInstant() + " " + attributes.subject());
            return ac;
        } finally {
            PcaFiles.release(lock);
        }
    }

    /**
     * Puts {@code serial} on the revocation list (effective once {@link #publishCrl} has run and the CRL
     * reached the front-end). Returns false when it was revoked already.
     */
    public boolean revoke(BigInteger serial, Instant when) throws IOException {
        FileLock lock = files.lock();
        try {
            if (issuedSubject(serial) == null) {
                throw new IllegalArgumentException("serial " + serial + " was not issued by this PCA");
            }
            for (Revocation r : revocations()) {
                if (r.serial().equals(serial)) {
                    return false;
                }
            }
            files.append(PcaFiles.REVOKED, serial + " " + when.truncatedTo(ChronoUnit.SECONDS));
            return true;
        } finally {
            PcaFiles.release(lock);
        }
    }

    /** The holder name recorded when {@code serial} was issued, or null. */
    public String issuedSubject(BigInteger serial) throws IOException {
        for (String line : files.read(PcaFiles.ISSUED).split("\n")) {
            String[] p = line.split(" ", 3);
            if (p.length == 3 && p[0].equals(serial.toString())) {
                return p[2];
            }
        }
        return null;
    }

    public record Revocation(BigInteger serial, Instant at) {}

    public List<Revocation> revocations() throws IOException {
        List<Revocation> out = new ArrayList<>();
        for (String line : files.read(PcaFiles.REVOKED).split("\n")) {
            String[] p = line.strip().split(" ");
            if (p.length == 2) {
                out.add(new Revocation(new BigInteger(p[0]), Instant.parse(p[1])));
            }
        }
        return out;
    }

    /**
     * Signs a CRL of every revoked serial, valid from {@code now} for {@code validity} (its nextUpdate:
     * the front-end refuses regulated VMs once that has passed, so republish well before), and writes it
     * as PEM to {@code out}.
     */
    public X509CRLHolder publishCrl(Instant now, Duration validity, Path out) throws IOException, GeneralSecurityException {
        FileLock lock = files.lock();
        try {
            Instant from = now.truncatedTo(ChronoUnit.SECONDS);
            X509v2CRLBuilder b = new X509v2CRLBuilder(certificate.getSubject(), Date.from(from));
            b.setNextUpdate(Date.from(from.plus(validity)));
            for (Revocation r : revocations()) {
                b.addCRLEntry(r.serial(), Date.from(r.at()), CRLReason.unspecified);
            }
            b.addExtension(Extension.cRLNumber, false, new CRLNumber(counter(PcaFiles.CRL_NUMBER)));
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate.getSubjectPublicKeyInfo()));
            X509CRLHolder crl = b.build(signer(key));
            PcaFiles.replace(out, Pem.encode(Pem.CRL, crl.getEncoded()).getBytes(StandardCharsets.US_ASCII));
            return crl;
        } finally {
            PcaFiles.release(lock);
        }
    }

    /** Returns the counter's value and stores the next one (under the lock). */
    private BigInteger counter(String name) throws IOException {
        BigInteger n = new BigInteger(files.read(name).strip());
        files.replace(name, n.add(BigInteger.ONE) + "\n");
        return n;
    }

    static ContentSigner signer(PrivateKey key) throws GeneralSecurityException {
        return JcaSignatures.signer(key);
    }
}
