/**
 * OpenNebula hooks: the placement check that re-checks policy when a VM lands on a host, the
 * migration audit, the scheduler requirements that steer placement, and the leftovers a host left.
 * Each reads the hook's arguments as oned passes them. May import: config, host, leftover, oned,
 * opennebula, progress, policy.audit, policy.cert, policy.decision, policy.facts, vmm (its recovery of host
 * leftovers; a floor below both is where that belongs).
 */
package io.onehaul.hooks;
