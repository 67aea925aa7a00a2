/**
 * What OpenNebula hands a driver: the VMM and TM argv, the base64 XML on stdin, and the VM, host,
 * datastore, disk and NIC documents parsed from it, with the names and paths they carry checked; and
 * the exception for bad input (exit 2). The common floor: imports nothing of OneHaul.
 */
package io.onehaul.opennebula;
