/**
 * A migration's progress as an operator sees it: phases and bytes, throttled, published as VM
 * attributes through oned and as VM-log lines. May import: log, oned, opennebula.
 */
package io.onehaul.progress;
