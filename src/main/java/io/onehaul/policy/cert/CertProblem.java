package io.onehaul.policy.cert;

/** What can be wrong with an attribute certificate itself (binding aside, which the decision checks). */
public enum CertProblem {
    /** The template has no certificate. */
    MISSING,
    /** Not base64, not DER, not an attribute certificate, or not one with OneHaul's attributes. */
    MALFORMED,
    /** Not issued by the trusted PCA: other issuer, or a signature that does not verify (tampering). */
    BAD_SIGNATURE,
    /** notAfter plus the clock skew has passed. */
    EXPIRED,
    /** notBefore minus the clock skew is still ahead. */
    NOT_YET_VALID,
    /** Its serial is on the PCA's revocation list. */
    REVOKED
}
