/**
 * The `onehaul` command line (picocli): one subcommand per OpenNebula entry point (the VMM and TM
 * actions, the hooks) and per operator command (policy, pca, audit). Reads argv, stdin and the
 * environment as oned gives them, builds the driver from the config, maps exceptions to exit codes and
 * VM-log lines. The top floor: it may import every other package; none imports it.
 */
package io.onehaul.cli;
