#!/usr/bin/env bash
# The operating system of the test bed's hosts: a Debian 13 (trixie) root made with debootstrap,
# holding what an OneHaul host needs (LXC, CRIU, rsync, sshd, iptables, iputils) as trixie ships it.
# A host is not the front-end: its packages come from its own release, so the front-end keeps
# its own (nothing from another suite is installed on it) and CRIU >= 4 comes natively.
#
#   hostroot.sh build        make the root if it is not there yet; prints its folder
#   hostroot.sh path         prints the folder (exit 1 if it is not built)
#   hostroot.sh versions     the CRIU, LXC and libc versions in it, one line
#
# The root is cached as $CACHE_DIR/hostroot-trixie-<key>, <key> a hash of the suite, the mirror, the
# package list and BOOTSTRAP_VERSION; it appears by rename only when complete, one build at a time (flock).
set -euo pipefail

BOOTSTRAP_VERSION=1   # bump when the steps below change (a new key, so a new root)
SUITE=trixie
MIRROR=http://deb.debian.org/debian
PACKAGES=(lxc criu rsync openssh-server openssh-client iptables iproute2 iputils-arping iputils-ping
          procps util-linux e2fsprogs xfsprogs kmod perl-base bridge-utils ca-certificates)
CACHE_DIR=${ONEHAUL_IMAGE_CACHE:-/var/cache/onehaul-testbed}

die() { echo "hostroot.sh: $*" >&2; exit 1; }
log() { echo "hostroot.sh: $*" >&2; }
usage() { sed -n '7,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

KEY=$(printf '%s\n' "$BOOTSTRAP_VERSION" "$SUITE" "$MIRROR" "${PACKAGES[@]}" | sha256sum | cut -c1-16)
ROOT=$CACHE_DIR/hostroot-$SUITE-$KEY

build() {
  [ "$(id -u)" = 0 ] || die "must run as root (debootstrap)"
  command -v debootstrap >/dev/null || die "debootstrap is missing (bash testbed/install-deps.sh)"
  [ -f "/usr/share/debootstrap/scripts/$SUITE" ] || die "this debootstrap does not know $SUITE"
  mkdir -p "$CACHE_DIR"
  exec 9>"$ROOT.lock"
  flock 9
  if [ -x "$ROOT/usr/sbin/criu" ]; then echo "$ROOT"; return; fi
  local work t0=$SECONDS IFS=,
  work=$(mktemp -d "$CACHE_DIR/hostroot.XXXXXX")
  trap 'rm -rf --one-file-system "$work"' EXIT
  log "debootstrap $SUITE (minbase + ${#PACKAGES[@]} packages) from $MIRROR into $ROOT"
  if ! debootstrap --variant=minbase --include="${PACKAGES[*]}" "$SUITE" "$work/root" "$MIRROR" \
        >"$work/debootstrap.log" 2>&1; then
    tail -n 20 "$work/debootstrap.log" >&2
    die "debootstrap failed"
  fi
  unset IFS
  # No daemon of the root's own starts when packages configure; the test bed starts sshd per host.
  rm -f "$work/root/etc/ssh/ssh_host_"*
  rm -rf "$work/root/var/cache/apt/archives/"*.deb
  mv "$work/root" "$ROOT"
  log "built in $((SECONDS - t0)) s: $(versions)"
  echo "$ROOT"
}

versions() {
  [ -d "$ROOT" ] || die "not built: $ROOT"
  local v
  v() { chroot "$ROOT" dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo none; }
  echo "$SUITE: criu $(v criu), lxc $(v lxc), libc6 $(v libc6)"
}

case "${1:-}" in
  build) [ $# = 1 ] || usage; build ;;
  path) [ $# = 1 ] || usage; [ -x "$ROOT/usr/sbin/criu" ] || die "not built: $ROOT"; echo "$ROOT" ;;
  versions) [ $# = 1 ] || usage; versions ;;
  *) usage ;;
esac
