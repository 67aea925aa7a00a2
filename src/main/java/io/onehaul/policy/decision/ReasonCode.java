package io.onehaul.policy.decision;

/**
 * Stable, machine-readable reasons of a policy decision. The names are an interface: hooks, scripts
 * and the audit log match on them, so existing names must never change meaning (add new ones instead).
 */
public enum ReasonCode {
    // --- reasons that go with ALLOW ---
    /** Both certificates hold and the destination satisfies the VM's regulation. */
    COMPLIANT(true),
    /** The VM has no REGULATION and policy.mandatory is false. */
    NO_REGULATION_ALLOWED(true),

    // --- everything below goes with DENY ---
    /** The VM has no REGULATION and policy.mandatory is true. */
    NO_REGULATION_MANDATORY(false),

    /** The PCA certificate (policy.trust_anchor) is not there. */
    TRUST_ANCHOR_MISSING(false),
    /** The PCA certificate is unreadable, not a CA, or outside its validity. */
    TRUST_ANCHOR_INVALID(false),
    /** The revocation list (policy.crl) is not there. */
    CRL_MISSING(false),
    /** The revocation list is unreadable or incomplete. */
    CRL_MALFORMED(false),
    /** The revocation list is not signed by the PCA (forged or from another CA). */
    CRL_BAD_SIGNATURE(false),
    /** The revocation list is past its nextUpdate plus the clock skew. */
    CRL_STALE(false),
    /** The revocation list is dated in the future beyond the clock skew. */
    CRL_NOT_YET_VALID(false),

    /** The VM lacks its ID, TEMPLATE/OS/UUID or owner, so no certificate can be bound to it. */
    VM_IDENTITY_MISSING(false),
    /** REGULATION is ambiguous or lists invalid country or organisation codes. */
    VM_REGULATION_INVALID(false),
    VM_CERT_MISSING(false),
    VM_CERT_MALFORMED(false),
    VM_CERT_BAD_SIGNATURE(false),
    VM_CERT_EXPIRED(false),
    VM_CERT_NOT_YET_VALID(false),
    VM_CERT_REVOKED(false),
    /** The certificate is for another VM (id, UUID or owner differ; or it is a host certificate). */
    VM_CERT_WRONG_VM(false),
    /** The certificate is this VM's but certifies other COUNTRIES/ORGANIZATIONS than the template holds. */
    VM_CERT_ATTRIBUTES_MISMATCH(false),

    /** The destination host has no COUNTRY. */
    HOST_COUNTRY_MISSING(false),
    /** The host's COUNTRY or ORGANIZATIONS are ambiguous or not valid codes. */
    HOST_ATTRIBUTES_INVALID(false),
    HOST_CERT_MISSING(false),
    HOST_CERT_MALFORMED(false),
    HOST_CERT_BAD_SIGNATURE(false),
    HOST_CERT_EXPIRED(false),
    HOST_CERT_NOT_YET_VALID(false),
    HOST_CERT_REVOKED(false),
    /** The certificate is for another host name (or it is a VM certificate). */
    HOST_CERT_WRONG_HOST(false),
    /** The certificate is this host's but certifies another COUNTRY/ORGANIZATIONS than the template holds. */
    HOST_CERT_ATTRIBUTES_MISMATCH(false),

    /** The host's country is not among the VM's allowed countries. */
    COUNTRY_NOT_ALLOWED(false),
    /** No host organisation is among the VM's allowed organisations (and the VM does not allow "*"). */
    ORGANIZATION_NOT_ALLOWED(false),

    /** A bug: the decision could not be computed. Fails closed. */
    INTERNAL_ERROR(false);

    private final boolean allows;

    ReasonCode(boolean allows) {
        this.allows = allows;
    }

    /** True for the two codes that accompany ALLOW; every other code denies. */
    public boolean allows() {
        return allows;
    }
}
