package io.onehaul.policy.cert;

import io.onehaul.policy.facts.Codes;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.DERPrintableString;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Attribute;
import org.bouncycastle.cert.AttributeCertificateHolder;
import org.bouncycastle.cert.AttributeCertificateIssuer;
import org.bouncycastle.cert.X509AttributeCertificateHolder;
import org.bouncycastle.cert.X509v2AttributeCertificateBuilder;
import org.bouncycastle.operator.ContentSigner;

/**
 * RFC 5755 attribute certificates carrying {@link CertifiedAttributes}: holder = entity name
 * {@code CN=vm/<id>/<uuid>} or {@code CN=host/<name>}, issuer = the PCA's subject (v2Form), attributes
 * under {@link PolicyOids}. Decoding is strict (exact DER, every attribute once, no unknown attributes
 * or critical extensions) because whatever we do not understand might have been meant to restrict.
 */
public final class AttributeCertificateCodec {
    private static final Set<ASN1ObjectIdentifier> VM_ATTRIBUTES = Set.of(PolicyOids.VM_ID, PolicyOids.VM_UUID,
            PolicyOids.VM_OWNER, PolicyOids.COUNTRIES, PolicyOids.ORGANIZATIONS);
    private static final Set<ASN1ObjectIdentifier> HOST_ATTRIBUTES = Set.of(PolicyOids.HOST_NAME,
            PolicyOids.COUNTRIES, PolicyOids.ORGANIZATIONS);

    private AttributeCertificateCodec() {}

    /** Why these attributes must not be certified; empty when they are fine. */
    public static List<String> problems(CertifiedAttributes a) {
        List<String> p = new ArrayList<>();
        if (a instanceof CertifiedAttributes.Vm vm) {
            if (vm.vmId() < 0) {
                p.add("VM id must be 0 or more");
            }
            if (vm.uuid().isEmpty()) {
                p.add("VM UUID (TEMPLATE/OS/UUID) is required");
            } else if (vm.uuid().contains("/")) {
                p.add("VM UUID must not contain '/'");
            }
            if (vm.owner().isEmpty()) {
                p.add("VM owner (UNAME) is required");
            }
            if (vm.countries().isEmpty()) {
                p.add("at least one allowed country is required");
            }
            addInvalid(p, "country codes (ISO 3166-1 alpha-2)", Codes.invalidCountries(vm.countries()));
            addInvalid(p, "organisation codes", Codes.invalidOrganizations(vm.organizations(), true));
        } else if (a instanceof CertifiedAttributes.Host h) {
            if (h.hostName().isEmpty()) {
                p.add("host name is required");
            }
            if (!Codes.isCountry(h.country())) {
                p.add("host country must be an ISO 3166-1 alpha-2 code, got '" + h.country() + "'");
            }
            addInvalid(p, "organisation codes", Codes.invalidOrganizations(h.organizations(), false));
        }
        return p;
    }

    private static void addInvalid(List<String> p, String what, List<String> bad) {
        if (!bad.isEmpty()) {
            p.add("invalid " + what + ": " + String.join(",", bad));
        }
    }

    public static X509AttributeCertificateHolder build(CertifiedAttributes a, X500Name issuer, BigInteger serial,
                                                       Instant notBefore, Instant notAfter, ContentSigner signer) {
        List<String> p = problems(a);
        if (!p.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", p));
        }
        X509v2AttributeCertificateBuilder b = new X509v2AttributeCertificateBuilder(
                new AttributeCertificateHolder(a.holderName()), new AttributeCertificateIssuer(issuer), serial,
                Date.from(notBefore), Date.from(notAfter));
        if (a instanceof CertifiedAttributes.Vm vm) {
            b.addAttribute(PolicyOids.VM_ID, new ASN1Integer(vm.vmId()));
            b.addAttribute(PolicyOids.VM_UUID, new DERUTF8String(vm.uuid()));
            b.addAttribute(PolicyOids.VM_OWNER, new DERUTF8String(vm.owner()));
            addList(b, PolicyOids.COUNTRIES, vm.countries(), true);
            addList(b, PolicyOids.ORGANIZATIONS, vm.organizations(), false);
        } else if (a instanceof CertifiedAttributes.Host h) {
            b.addAttribute(PolicyOids.HOST_NAME, new DERUTF8String(h.hostName()));
            addList(b, PolicyOids.COUNTRIES, List.of(h.country()), true);
            addList(b, PolicyOids.ORGANIZATIONS, h.organizations(), false);
        }
        return b.build(signer);
    }

    /** An empty list is no attribute at all: RFC 5755 attribute values are SET SIZE (1..MAX). */
    private static void addList(X509v2AttributeCertificateBuilder b, ASN1ObjectIdentifier oid, List<String> values,
                                boolean printable) {
        if (values.isEmpty()) {
            return;
        }
        ASN1Encodable[] v = values.stream()
                .map(s -> printable ? (ASN1Encodable) new DERPrintableString(s, true) : new DERUTF8String(s))
                .toArray(ASN1Encodable[]::new);
        b.addAttribute(oid, v);
    }

    /** Parses exactly one DER-encoded attribute certificate. */
    public static X509AttributeCertificateHolder parse(byte[] der) throws CertificateFormatException {
        X509AttributeCertificateHolder c;
        try {
            c = new X509AttributeCertificateHolder(der);
            if (!Arrays.equals(c.toASN1Structure().getEncoded(ASN1Encoding.DER), der)) {
                throw new CertificateFormatException("not in DER (distinguished) encoding");
            }
        } catch (IOException | RuntimeException e) {
            throw new CertificateFormatException("not an attribute certificate: " + message(e), e);
        }
        if (c.getVersion() != 2) {
            throw new CertificateFormatException("attribute certificate version " + c.getVersion() + ", expected v2");
        }
        if (!c.getCriticalExtensionOIDs().isEmpty()) {
            throw new CertificateFormatException("unknown critical extensions " + c.getCriticalExtensionOIDs());
        }
        return c;
    }

    /** The certified attributes, checked for internal consistency (holder name vs. attributes). */
    public static CertifiedAttributes decode(X509AttributeCertificateHolder c) throws CertificateFormatException {
        String cn = holderCommonName(c);
        Attribute[] all = c.getAttributes();
        if (cn.startsWith(CertifiedAttributes.VM_PREFIX)) {
            onlyKnown(all, VM_ATTRIBUTES);
            BigInteger id = ASN1Integer.getInstance(single(c, PolicyOids.VM_ID)).getValue();
            if (id.signum() < 0 || id.bitLength() > 31) {
                throw new CertificateFormatException("VM id " + id + " out of range");
            }
            CertifiedAttributes.Vm vm = new CertifiedAttributes.Vm(id.intValue(), string(single(c, PolicyOids.VM_UUID)),
                    string(single(c, PolicyOids.VM_OWNER)), strings(c, PolicyOids.COUNTRIES),
                    strings(c, PolicyOids.ORGANIZATIONS));
            return consistent(vm, cn);
        }
        if (cn.startsWith(CertifiedAttributes.HOST_PREFIX)) {
            onlyKnown(all, HOST_ATTRIBUTES);
            List<String> countries = strings(c, PolicyOids.COUNTRIES);
            if (countries.size() != 1) {
                throw new CertificateFormatException("a host certificate states exactly one country, got " + countries);
            }
            CertifiedAttributes.Host h = new CertifiedAttributes.Host(string(single(c, PolicyOids.HOST_NAME)),
                    countries.get(0), strings(c, PolicyOids.ORGANIZATIONS));
            return consistent(h, cn);
        }
        throw new CertificateFormatException("holder '" + cn + "' is neither vm/... nor host/...");
    }

    private static CertifiedAttributes consistent(CertifiedAttributes a, String cn) throws CertificateFormatException {
        if (!a.subject().equals(cn)) {
            throw new CertificateFormatException("holder '" + cn + "' does not match the attributes ('" + a.subject() + "')");
        }
        return a;
    }

    private static String holderCommonName(X509AttributeCertificateHolder c) throws CertificateFormatException {
        X500Name[] names = c.getHolder().getEntityNames();
        if (names == null || names.length != 1) {
            throw new CertificateFormatException("holder must be exactly one entity name");
        }
        RDN[] rdns = names[0].getRDNs();
        if (rdns.length != 1 || rdns[0].isMultiValued() || !BCStyle.CN.equals(rdns[0].getFirst().getType())) {
            throw new CertificateFormatException("holder must be a single CN, got '" + names[0] + "'");
        }
        if (!(rdns[0].getFirst().getValue() instanceof ASN1String cn)) {
            throw new CertificateFormatException("holder CN is not a string");
        }
        return cn.getString();
    }

    private static void onlyKnown(Attribute[] all, Set<ASN1ObjectIdentifier> known) throws CertificateFormatException {
        for (Attribute a : all) {
            if (!known.contains(a.getAttrType())) {
                throw new CertificateFormatException("unknown attribute " + a.getAttrType());
            }
        }
    }

    private static Attribute attribute(X509AttributeCertificateHolder c, ASN1ObjectIdentifier oid)
            throws CertificateFormatException {
        Attribute[] a = c.getAttributes(oid);
        if (a.length > 1) {
            throw new CertificateFormatException("attribute " + oid + " appears " + a.length + " times");
        }
        return a.length == 0 ? null : a[0];
    }

    private static ASN1Encodable single(X509AttributeCertificateHolder c, ASN1ObjectIdentifier oid)
            throws CertificateFormatException {
        Attribute a = attribute(c, oid);
        if (a == null || a.getAttrValues().size() != 1) {
            throw new CertificateFormatException("attribute " + oid + " must have exactly one value");
        }
        return a.getAttrValues().getObjectAt(0);
    }

    private static List<String> strings(X509AttributeCertificateHolder c, ASN1ObjectIdentifier oid)
            throws CertificateFormatException {
        Attribute a = attribute(c, oid);
        List<String> out = new ArrayList<>();
        if (a != null) {
            for (ASN1Encodable v : a.getAttrValues()) {
                out.add(string(v));
            }
        }
        return out;
    }

    private static String string(ASN1Encodable v) throws CertificateFormatException {
        if (v instanceof ASN1String s) {
            return s.getString();
        }
        throw new CertificateFormatException("attribute value is not a string: " + v);
    }

    static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.replaceAll("[\\r\\n]+", " ");
    }
}
