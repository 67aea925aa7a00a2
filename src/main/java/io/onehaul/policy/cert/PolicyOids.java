package io.onehaul.policy.cert;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;

/**
 * Object identifiers of OneHaul's attribute-certificate attributes.
 *
 * <p>They live under {@code 2.25.<UUID as an integer>}: ITU-T X.667 / ISO/IEC 9834-8 give every UUID
 * an OID arc of its own, valid without registering anything. The UUID
 * {@code 95e66cc1-0f70-483b-955d-5a6c2ad54dcd} was generated once for OneHaul. Never change these
 * numbers: certificates already issued carry them.
 */
public final class PolicyOids {
    /** {@code 2.25.<95e66cc1-0f70-483b-955d-5a6c2ad54dcd>}. */
    public static final ASN1ObjectIdentifier ROOT =
            new ASN1ObjectIdentifier("2.25.199251405445466050999276747561477950925");
    /** Attribute types. */
    public static final ASN1ObjectIdentifier ATTRIBUTES = ROOT.branch("1");

    /** Allowed countries (VM) or the host's country: PrintableString values, ISO 3166-1 alpha-2. */
    public static final ASN1ObjectIdentifier COUNTRIES = ATTRIBUTES.branch("1");
    /** Allowed organisations (VM, may hold "*") or the host's organisations: UTF8String values. */
    public static final ASN1ObjectIdentifier ORGANIZATIONS = ATTRIBUTES.branch("2");
    /** The VM's OpenNebula ID: one INTEGER. */
    public static final ASN1ObjectIdentifier VM_ID = ATTRIBUTES.branch("3");
    /** The VM's TEMPLATE/OS/UUID: one UTF8String. */
    public static final ASN1ObjectIdentifier VM_UUID = ATTRIBUTES.branch("4");
    /** The VM's owner (UNAME): one UTF8String. */
    public static final ASN1ObjectIdentifier VM_OWNER = ATTRIBUTES.branch("5");
    /** The host's NAME: one UTF8String. */
    public static final ASN1ObjectIdentifier HOST_NAME = ATTRIBUTES.branch("6");

    private PolicyOids() {}
}
