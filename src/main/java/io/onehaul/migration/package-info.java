/**
 * The live-migration core, free of I/O: the loop, one class per strategy (stop-and-copy, streamed,
 * post-copy, pre-copy, hybrid), the choice of a strategy from what both hosts can do, the stop rule as
 * named constants, and the report. It talks to hosts only through MigrationSteps, a port an adapter
 * implements. May import: opennebula, progress (both to be cut: a plain request and a plain progress
 * sink would do).
 */
package io.onehaul.migration;
