/**
 * onehaul.conf: reading the operator's key = value file once, with typed getters whose refusals name
 * the key, and OpenNebula's install layout (where oned's files live). May import: opennebula (for
 * BadInputException).
 */
package io.onehaul.config;
