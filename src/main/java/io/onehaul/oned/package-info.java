/**
 * oned's XML-RPC API: the client, its endpoint and credentials (ONE_AUTH), and the calls the driver and
 * hooks make (VM and host info, attribute updates). May import: opennebula.
 */
package io.onehaul.oned;
