/**
 * The journal of what a failed or killed action left on a host (a frozen source, a half-made
 * destination copy), with one owner that writes and reads it, and the verdict on each entry. May
 * import: opennebula.
 */
package io.onehaul.leftover;
