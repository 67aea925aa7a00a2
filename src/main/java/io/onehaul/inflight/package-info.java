/**
 * One action at a time per VM on this front-end: the actions that move or checkpoint a container (live
 * and cold migration, save, restore) claim the VM for as long as they run, and a second one is refused
 * before it touches anything, naming the one in flight. Imports nothing of OneHaul.
 */
package io.onehaul.inflight;
