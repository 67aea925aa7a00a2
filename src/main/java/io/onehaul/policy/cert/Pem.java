package io.onehaul.policy.cert;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;

/**
 * PEM armour for what the PCA writes (certificate, CRL, PKCS#8 key) and reading of PEM or raw DER,
 * so that operators can hand over files converted with openssl either way.
 */
public final class Pem {
    public static final String CERTIFICATE = "CERTIFICATE";
    public static final String CRL = "X509 CRL";
    public static final String PRIVATE_KEY = "PRIVATE KEY";
    public static final String ATTRIBUTE_CERTIFICATE = "ATTRIBUTE CERTIFICATE";

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)\\s*-----END \\1-----");

    private Pem() {}

    public static String encode(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    /** The DER inside the first PEM block of {@code type}, or the bytes themselves when they are not PEM. */
    public static byte[] derOf(byte[] bytes, String type) throws CertificateFormatException {
        String text = new String(bytes, StandardCharsets.US_ASCII);
        if (!text.contains("-----BEGIN ")) {
            return bytes;
        }
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            if (m.group(1).equals(type)) {
                try {
                    return Base64.getMimeDecoder().decode(m.group(2));
                } catch (IllegalArgumentException e) {
                    throw new CertificateFormatException("PEM " + type + " block is not base64", e);
                }
            }
        }
        throw new CertificateFormatException("no PEM " + type + " block");
    }

    public static X509CertificateHolder readCertificate(byte[] bytes) throws CertificateFormatException {
        try {
            return new X509CertificateHolder(derOf(bytes, CERTIFICATE));
        } catch (IOException | RuntimeException e) {
            throw new CertificateFormatException("not an X.509 certificate: " + AttributeCertificateCodec.message(e), e);
        }
    }

    public static X509CRLHolder readCrl(byte[] bytes) throws CertificateFormatException {
        try {
            return new X509CRLHolder(derOf(bytes, CRL));
        } catch (IOException | RuntimeException e) {
            throw new CertificateFormatException("not an X.509 CRL: " + AttributeCertificateCodec.message(e), e);
        }
    }

    public static PrivateKey readPrivateKey(byte[] bytes) throws CertificateFormatException {
        try {
            return JcaSignatures.privateKey(PrivateKeyInfo.getInstance(derOf(bytes, PRIVATE_KEY)));
        } catch (java.security.GeneralSecurityException | CertificateFormatException | RuntimeException e) {
            throw new CertificateFormatException("not a PKCS#8 private key: " + AttributeCertificateCodec.message(e), e);
        }
    }
}
