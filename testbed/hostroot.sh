#!/usr/bin/env bash
# The operating system of the test bed's hosts: a Debian 13 (trixie) root made with debootstrap,
# holding what an OneHaul host needs (LXC, CRIU, rsync, sshd, iptables, iputils, perl) as trixie ships it.
# A host is not the front-end: its packages come from its own release, so the front-end keeps
# its own (nothing from another suite is installed on it) and CRIU >= 4 comes natively.
#
#   hostroot.sh build             make the root if it is not there yet; prints its folder
#   hostroot.sh path              prints the folder (exit 1 if it is not built)
#   hostroot.sh versions          the CRIU, LXC and libc versions in it, one line
#   hostroot.sh run [--ns FILE] [--keep PATH]... [--] CMD...
#                                 CMD in a new mount namespace that shows the root's /usr and /etc (read-only)
#                                 instead of the machine's, each PATH of the machine's bound back in; kept on
#                                 FILE with --ns (testbed.sh's hosts), else thrown away (e.g. criu check)
#
# The root is cached as $CACHE_DIR/hostroot-trixie-<key>, <key> a hash of the suite, the mirror, the
# package list and BOOTSTRAP_VERSION; it appears by rename only when complete, one build at a time (flock).
# Its /etc/onehaul-hostroot and /usr/share/onehaul-hostroot hold its folder's name, so that whoever
# entered it can prove which root a namespace shows (testbed.sh's `healthy`).
set -euo pipefail

BOOTSTRAP_VERSION=2   # bump when the steps below change (a new key, so a new root)
SUITE=trixie
MIRROR=http://deb.debian.org/debian
# perl, not only perl-base: the driver's block-range scripts use Digest::MD5 (libperl). rsync pulls python3.
# busybox-static: not an OneHaul need, but specs build the counter test image on a host (testbed.sh
# image-ext4 run there), and that image's only program is the building machine's busybox.
PACKAGES=(lxc criu rsync openssh-server openssh-client iptables iproute2 iputils-arping iputils-ping
          procps util-linux e2fsprogs xfsprogs kmod perl ca-certificates busybox-static)
CACHE_DIR=${ONEHAUL_IMAGE_CACHE:-/var/cache/onehaul-testbed}
MARKERS=(etc/onehaul-hostroot usr/share/onehaul-hostroot)

die() { echo "hostroot.sh: $*" >&2; exit 1; }
log() { echo "hostroot.sh: $*" >&2; }
usage() { sed -n '7,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

KEY=$(printf '%s\n' "$BOOTSTRAP_VERSION" "$SUITE" "$MIRROR" "${PACKAGES[@]}" | sha256sum | cut -c1-16)
ROOT=$CACHE_DIR/hostroot-$SUITE-$KEY
WORK=""   # the build's scratch folder; global, so that the EXIT trap still sees it after build() returns

built() { [ -x "$ROOT/usr/sbin/criu" ] && [ -f "$ROOT/${MARKERS[0]}" ]; }

build() {
  [ "$(id -u)" = 0 ] || die "must run as root (debootstrap)"
  mkdir -p "$CACHE_DIR"
  exec 9>"$ROOT.lock"
  flock 9
  if built; then echo "$ROOT"; return; fi
  # Checked only when there is something to build: a cached root needs no debootstrap.
  command -v debootstrap >/dev/null || die "debootstrap is missing (bash testbed/install-deps.sh)"
  [ -f "/usr/share/debootstrap/scripts/$SUITE" ] || die "this debootstrap does not know $SUITE"
  local t0=$SECONDS m
  WORK=$(mktemp -d "$CACHE_DIR/hostroot.XXXXXX")
  trap 'rm -rf --one-file-system "$WORK"' EXIT
  log "debootstrap $SUITE (minbase + ${#PACKAGES[@]} packages) from $MIRROR into $ROOT"
  if ! debootstrap --variant=minbase --include="$(IFS=,; echo "${PACKAGES[*]}")" "$SUITE" "$WORK/root" "$MIRROR" \
        >"$WORK/debootstrap.log" 2>&1; then
    tail -n 20 "$WORK/debootstrap.log" >&2
    die "debootstrap failed"
  fi
  # No daemon of the root's own starts when packages configure; the test bed starts sshd per host with
  # keys of its own, so the root's (one set for every host) go. The package lists and downloaded .debs
  # are only needed to install more, which nobody does in here: ~60 MiB less per root.
  rm -f "$WORK/root/etc/ssh/ssh_host_"*
  rm -rf "$WORK/root/var/cache/apt/archives/"*.deb "$WORK/root/var/cache/apt/"*.bin "$WORK/root/var/lib/apt/lists/"*
  # Files the caller binds over (`enter`) must exist as mount points: a regular /etc/resolv.conf and
  # /etc/hosts (debootstrap copies the machine's; a symlink would be followed into the root).
  rm -f "$WORK/root/etc/hosts" "$WORK/root/etc/resolv.conf"
  printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' > "$WORK/root/etc/hosts"
  : > "$WORK/root/etc/resolv.conf"
  for m in "${MARKERS[@]}"; do basename "$ROOT" > "$WORK/root/$m"; done
  mv "$WORK/root" "$ROOT"
  log "built in $((SECONDS - t0)) s, $(du -sh --one-file-system "$ROOT" | cut -f1): $(versions)"
  echo "$ROOT"
}

versions() {
  [ -d "$ROOT" ] || die "not built: $ROOT"
  local p out=""
  for p in criu lxc libc6; do
    # shellcheck disable=SC2016  # ${Version} is dpkg-query's field, not the shell's
    out+="${out:+, }$p $(chroot "$ROOT" dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo none)"
  done
  echo "$SUITE: $out"
}

# CMD in a new mount namespace (private propagation: nothing made in it reaches the machine's) that shows
# the root: its /usr and /etc over the machine's, read-only (a host cannot change the cached root every
# host shares). /bin, /lib, /lib64 and /sbin are symlinks into /usr on merged-/usr Debian, so these two
# binds give every program and library; the rest (/var, /run, /root, /tmp, /sys with its cgroups, /proc,
# /dev) stays the machine's. Each --keep PATH (a file or folder of the machine's under /usr or /etc, e.g.
# /etc/hosts) is bound back in at its own place. --ns FILE keeps the namespace after CMD (unshare --mount=FILE).
run() {
  local ns=(--mount) keep=() p self
  while [ $# -gt 0 ]; do
    case "$1" in
      --ns) [ $# -ge 2 ] || usage; ns=(--mount="$2"); shift 2 ;;
      --keep) [ $# -ge 2 ] || usage; keep+=("$2"); shift 2 ;;
      --) shift; break ;;
      *) break ;;
    esac
  done
  [ $# -ge 1 ] || usage
  built || die "not built: $ROOT (hostroot.sh build)"
  for p in "${keep[@]}"; do
    [ -e "$p" ] || die "--keep $p: it does not exist here"
    case "$p" in /usr/*|/etc/*) ;; *) die "--keep $p: not under /usr or /etc" ;; esac
  done
  self=$(readlink -f "$0")
  # _enter may only ever run inside the namespace made here: it is told the namespace it must not be in.
  HOSTROOT_OUTER_MNTNS=$(readlink /proc/self/ns/mnt) \
    exec unshare "${ns[@]}" --propagation private -- bash "$self" _enter "${keep[@]}" -- "$@"
}

# Internal (run): the binds, then exec CMD. Refuses unless run gave it the namespace it came from and this
# is another one; binding over /usr and /etc in the machine's own namespace would swap the front-end's OS
# (whether / is shared says nothing here: on these VMs the machine's / is private too, and PID 1's
# namespace cannot be read by a root without CAP_SYS_PTRACE).
_enter() {
  local keep=() stage i here parent
  while [ $# -gt 0 ] && [ "$1" != -- ]; do keep+=("$1"); shift; done
  if [ "${1:-}" != -- ] || [ $# -lt 2 ]; then die "_enter is internal: use hostroot.sh run"; fi
  shift
  # Three ways to be sure, any one enough to refuse: the namespace run came from (told), the namespace of
  # the process that started us (unshare execs us, so our parent is run's caller, outside: same uid and
  # capabilities, so readable; unreadable = refused), and PID 1's (when it can be read).
  here=$(readlink /proc/self/ns/mnt)
  parent=$(readlink "/proc/$PPID/ns/mnt" 2>/dev/null || true)
  if [ -z "${HOSTROOT_OUTER_MNTNS:-}" ] || [ "$here" = "$HOSTROOT_OUTER_MNTNS" ] \
     || [ -z "$parent" ] || [ "$here" = "$parent" ] \
     || [ "$here" = "$(readlink /proc/1/ns/mnt 2>/dev/null || true)" ]; then
    die "_enter is internal and runs only in the namespace hostroot.sh run makes"
  fi
  unset HOSTROOT_OUTER_MNTNS
  # The KEEP paths are hidden once /usr and /etc are covered, so each is first bound onto a stand-in in
  # a scratch tmpfs (in this namespace only), and from there back onto its place in the root.
  stage=$(mktemp -d /run/onehaul-hostroot.XXXXXX)
  mount -t tmpfs -o size=1m,mode=700 onehaul-hostroot "$stage"
  for i in "${!keep[@]}"; do
    # The mount point inside the root (made once in the cached tree; the same for every host).
    if [ -d "${keep[$i]}" ]; then
      mkdir -p "$ROOT${keep[$i]}" "$stage/$i"
    else
      [ -e "$ROOT${keep[$i]}" ] || : > "$ROOT${keep[$i]}"
      : > "$stage/$i"
    fi
    mount --bind "${keep[$i]}" "$stage/$i"
  done
  mount --bind "$ROOT/usr" /usr
  mount -o remount,bind,ro /usr
  mount --bind "$ROOT/etc" /etc
  mount -o remount,bind,ro /etc
  for i in "${!keep[@]}"; do mount --bind "$stage/$i" "${keep[$i]}"; done
  umount -R "$stage"
  rmdir "$stage"
  exec "$@"
}

case "${1:-}" in
  build) [ $# = 1 ] || usage; build ;;
  path) [ $# = 1 ] || usage; built || die "not built: $ROOT"; echo "$ROOT" ;;
  versions) [ $# = 1 ] || usage; versions ;;
  run) shift; run "$@" ;;
  _enter) shift; _enter "$@" ;;
  *) usage ;;
esac
