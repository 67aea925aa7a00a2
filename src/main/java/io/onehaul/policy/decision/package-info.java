/**
 * The policy decision, pure: may this VM live on that host, from the attributes their certificates
 * certify, with the reasons as codes. May import: policy.cert, policy.facts.
 */
package io.onehaul.policy.decision;
