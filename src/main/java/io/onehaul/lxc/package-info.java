/**
 * LXC on a host: the container's config rendered from the VM template (id map, disks, NICs, limits,
 * the RAW lines allowed), its disks planned and mounted, owners shifted to its id map, and the
 * lxc-* commands that start, stop, freeze and inspect it. May import: host, opennebula.
 */
package io.onehaul.lxc;
