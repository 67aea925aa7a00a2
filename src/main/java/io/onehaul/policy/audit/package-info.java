/**
 * The audit log of policy decisions: append-only JSON lines, each chained to the one before by its
 * hash, and its verification. Imports nothing of OneHaul.
 */
package io.onehaul.policy.audit;
