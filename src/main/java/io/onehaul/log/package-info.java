/**
 * Logging as oned's VM log wants it: one line per event, prefixed with the VM id, on stderr, where the
 * driver protocol puts what an operator reads. Imports nothing of OneHaul.
 */
package io.onehaul.log;
