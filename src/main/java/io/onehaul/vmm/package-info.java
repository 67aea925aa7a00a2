/**
 * The lxc_live VMM driver: the lifecycle actions (deploy, shutdown, cancel, save, restore, ...), the
 * LXC+CRIU adapter behind the migration core's port (pre-flight, pre-sync, freeze, copy, restore,
 * commit or rollback), recovery from holds and leftovers a killed driver left, and the settings as the
 * operator, the host, its cluster and the VM layer them. May import: config, criu, disk, host,
 * leftover, lxc, migration, oned, opennebula, policy.guard, progress, transfer.
 */
package io.onehaul.vmm;
