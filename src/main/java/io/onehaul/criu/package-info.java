/**
 * The one owner of CRIU on a host: dumps (held at post-dump until the migration decides, or into a
 * save's checkpoint folder), pre-dump rounds, the page server and lazy pages with their guard, restores,
 * CRIU's logs and the pre-flight scan of what CRIU would refuse. Its host programs are the files next to
 * it in src/main/resources. May import: host, lxc.
 */
package io.onehaul.criu;
