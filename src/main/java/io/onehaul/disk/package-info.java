/**
 * A disk image's changed blocks, from the extent maps of its file (FIEMAP) before and after: what a
 * live migration sends of a disk the container wrote while it ran, and nothing else. May import: host,
 * transfer.
 */
package io.onehaul.disk;
