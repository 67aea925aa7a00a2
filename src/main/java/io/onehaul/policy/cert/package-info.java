/**
 * Attribute certificates from the privacy CA: decoding (BouncyCastle), signature and validity
 * checks against the trust anchor and revocation list, and the attributes (countries, organisations)
 * they certify. May import: policy.facts.
 */
package io.onehaul.policy.cert;
