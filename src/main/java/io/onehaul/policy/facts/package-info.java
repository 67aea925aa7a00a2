/**
 * The policy facts as they sit in OpenNebula documents: the certificate blobs and codes a VM's
 * and a host's templates carry. May import: opennebula.
 */
package io.onehaul.policy.facts;
