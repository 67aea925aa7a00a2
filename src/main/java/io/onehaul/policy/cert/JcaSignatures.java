package io.onehaul.policy.cert;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.ContentVerifier;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.OperatorCreationException;

/**
 * Signing and verification through the JDK's own providers, for exactly two algorithms:
 * ecdsa-with-SHA256 and sha256WithRSAEncryption.
 *
 * <p>Why not BouncyCastle's Jca*Builder: their algorithm finders are tied to the exact bcprov release
 * (bcpkix 1.82 fails to initialise them against the bcprov 1.78.1 that sshj pulls in), and they accept
 * every algorithm BouncyCastle knows. A fixed pair through {@link Signature} works with any bcprov and
 * refuses anything weaker by construction.
 */
public final class JcaSignatures {
    private static final AlgorithmIdentifier ECDSA_SHA256 = new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256);
    private static final AlgorithmIdentifier RSA_SHA256 =
            new AlgorithmIdentifier(PKCSObjectIdentifiers.sha256WithRSAEncryption, DERNull.INSTANCE);

    private JcaSignatures() {}

    public static ContentSigner signer(PrivateKey key) throws GeneralSecurityException {
        boolean ec = "EC".equals(key.getAlgorithm());
        Signature s = Signature.getInstance(ec ? "SHA256withECDSA" : "SHA256withRSA");
        s.initSign(key);
        AlgorithmIdentifier alg = ec ? ECDSA_SHA256 : RSA_SHA256;
        ByteArrayOutputStream tbs = new ByteArrayOutputStream();
        return new ContentSigner() {
            @Override
            public AlgorithmIdentifier getAlgorithmIdentifier() {
                return alg;
            }

            @Override
            public OutputStream getOutputStream() {
                return tbs;
            }

            @Override
            public byte[] getSignature() {
                try {
                    s.update(tbs.toByteArray());
                    return s.sign();
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("signing failed: " + e.getMessage(), e);
                }
            }
        };
    }

    /** Verifies signatures made with the key of {@code cert}. */
    public static ContentVerifierProvider verifier(X509CertificateHolder cert) throws GeneralSecurityException {
        PublicKey key = publicKey(cert.getSubjectPublicKeyInfo());
        return new ContentVerifierProvider() {
            @Override
            public boolean hasAssociatedCertificate() {
                return true;
            }

            @Override
            public X509CertificateHolder getAssociatedCertificate() {
                return cert;
            }

            @Override
            public ContentVerifier get(AlgorithmIdentifier alg) throws OperatorCreationException {
                String name = algorithmName(alg, key);
                if (name == null) {
                    throw new OperatorCreationException("signature algorithm " + alg.getAlgorithm()
                            + " is not accepted for a " + key.getAlgorithm() + " key");
                }
                ByteArrayOutputStream tbs = new ByteArrayOutputStream();
                return new ContentVerifier() {
                    @Override
                    public AlgorithmIdentifier getAlgorithmIdentifier() {
                        return alg;
                    }

                    @Override
                    public OutputStream getOutputStream() {
                        return tbs;
                    }

                    @Override
                    public boolean verify(byte[] signature) {
                        try {
                            Signature s = Signature.getInstance(name);
                            s.initVerify(key);
                            s.update(tbs.toByteArray());
                            return s.verify(signature);
                        } catch (GeneralSecurityException | RuntimeException e) {
                            return false; // a signature that cannot even be decoded does not verify
                        }
                    }
                };
            }
        };
    }

    private static String algorithmName(AlgorithmIdentifier alg, PublicKey key) {
        ASN1ObjectIdentifier oid = alg.getAlgorithm();
        if (oid.equals(X9ObjectIdentifiers.ecdsa_with_SHA256) && "EC".equals(key.getAlgorithm())) {
            return "SHA256withECDSA";
        }
        if (oid.equals(PKCSObjectIdentifiers.sha256WithRSAEncryption) && "RSA".equals(key.getAlgorithm())) {
            return "SHA256withRSA";
        }
        return null;
    }

    static PublicKey publicKey(SubjectPublicKeyInfo spki) throws GeneralSecurityException {
        try {
            return KeyFactory.getInstance(keyAlgorithm(spki.getAlgorithm().getAlgorithm()))
                    .generatePublic(new X509EncodedKeySpec(spki.getEncoded()));
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException("unencodable public key", e);
        }
    }

    /** A PKCS#8 private key (EC or RSA). */
    public static PrivateKey privateKey(PrivateKeyInfo info) throws GeneralSecurityException {
        try {
            return KeyFactory.getInstance(keyAlgorithm(info.getPrivateKeyAlgorithm().getAlgorithm()))
                    .generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException("unencodable private key", e);
        }
    }

    private static String keyAlgorithm(ASN1ObjectIdentifier oid) throws GeneralSecurityException {
        if (oid.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
            return "EC";
        }
        if (oid.equals(PKCSObjectIdentifiers.rsaEncryption)) {
            return "RSA";
        }
        throw new GeneralSecurityException("key algorithm " + oid + " is not supported (EC or RSA only)");
    }
}
