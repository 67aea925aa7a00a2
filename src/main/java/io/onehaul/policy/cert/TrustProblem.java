package io.onehaul.policy.cert;

/** What can be wrong with the front-end's trust material (PCA certificate and revocation list). */
public enum TrustProblem {
    /** The PCA certificate (policy.trust_anchor) is not there. */
    ANCHOR_MISSING,
    /** It is unreadable, not a CA certificate, or outside its validity period. */
    ANCHOR_INVALID,
    /** The revocation list (policy.crl) is not there: revocation cannot be ruled out. */
    CRL_MISSING,
    /** It is unreadable or lacks a nextUpdate. */
    CRL_MALFORMED,
    /** It was not issued and signed by the trusted PCA. */
    CRL_BAD_SIGNATURE,
    /** Its nextUpdate (plus the clock skew) has passed: the PCA has not republished in time. */
    CRL_STALE,
    /** Its thisUpdate is in the future (beyond the clock skew). */
    CRL_NOT_YET_VALID
}
