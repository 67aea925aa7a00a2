/**
 * Reaching a host: a shell on it over SSH (host keys verified, commands quoted), the relay through
 * the front-end, the programs sent to it from resources (HostScript), root's private scratch folder,
 * and the exception that names the host. One floor above the bottom. May import: opennebula (only
 * Names, its host-name check, which belongs here).
 */
package io.onehaul.host;
