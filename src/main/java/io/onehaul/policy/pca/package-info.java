/**
 * The privacy CA's own tools: its key, certificate, serials, issued and revoked attribute
 * certificates and CRL, in a plain-text folder an operator can read. May import: policy.cert.
 */
package io.onehaul.policy.pca;
