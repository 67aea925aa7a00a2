/**
 * The onehaul TM driver: the transfer steps oned runs around a migration and for a VM's disks (clone,
 * mv, context, premigrate, postmigrate, failmigrate), moving folders and images between hosts and the
 * front-end without shared storage. May import: config, host, lxc, oned, opennebula, transfer, vmm
 * (its exceptions and recovery; a floor below both is where they belong).
 */
package io.onehaul.tm;
