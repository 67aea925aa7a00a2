/**
 * The placement guard every data path calls before anything moves: reads the VM's and the host's
 * facts, decides, audits, and refuses a non-compliant placement. May import: config, oned, opennebula,
 * policy.audit, policy.cert, policy.decision, policy.facts.
 */
package io.onehaul.policy.guard;
