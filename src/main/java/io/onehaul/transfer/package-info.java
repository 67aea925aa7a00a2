/**
 * Moving bytes between hosts: rsync directly or relayed through the front-end, SSH tunnels, block
 * ranges as a stream, the path (direct or relayed) found by probing, and the budget a copy may take at
 * the measured link speed. May import: host, opennebula.
 */
package io.onehaul.transfer;
