#!/usr/bin/env bash
# Builds a real Debian 12 container image for OneHaul's tests and demo, from Debian packages only
# (debootstrap from deb.debian.org; nothing else is downloaded).
#
#   debian12.sh build systemd|services OUT.ext4 [--authorized-key PUBKEY_FILE]
#
# Both flavours run the same services: nginx on :80 serving /var/www/html/index.html, sshd on :22
# (root, key only), PostgreSQL 15 with database `onehaul`, the writer /usr/local/sbin/onehaul-dbwriter
# (one row per ~50 ms, each in its own transaction; every sequence number whose COMMIT returned OK is
# appended to /var/lib/onehaul/acked) and the heartbeat /tick ("BOOTID COUNT", every 20 ms).
#   services  init = /sbin/onehaul-services (a small bash PID 1 that starts them and waits)
#   systemd   init = /sbin/init, every service a systemd unit, plus the CRIU profile
#             (/etc/systemd/system/*.d/onehaul-criu.conf, see testbed/images/README.md)
# The image is a sparse ext4 file (~1.5 GiB) used like testbed.sh's counter image: the VM's disk.0.
# The NIC is configured by LXC (lxc.net.0.ipv4.address); nothing in the image touches eth0.
#
# The debootstrapped tree is cached as /var/cache/onehaul-testbed/debian12-<key>.tar, <key> a hash of
# the package list and BOOTSTRAP_VERSION, so a second build only unpacks, customises and runs mkfs.
# Concurrent builds: one debootstrap per key (flock), the tarball appears by rename only when complete.
set -euo pipefail

BOOTSTRAP_VERSION=1   # bump when the debootstrap step changes (invalidates the cache)
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
PACKAGES=(systemd systemd-sysv dbus iproute2 procps nginx-light openssh-server postgresql-15
          python3 python3-psycopg2 sqlite3 less)
IMAGE_MB=1536
CACHE_DIR=${ONEHAUL_IMAGE_CACHE:-/var/cache/onehaul-testbed}
HERE=$(cd "$(dirname "$0")" && pwd)

usage() {
  echo "usage: $0 build systemd|services OUT.ext4 [--authorized-key PUBKEY_FILE]" >&2
  exit 2
}
die() { echo "debian12.sh: $*" >&2; exit 1; }
log() { echo "debian12.sh: $*" >&2; }

[ $# -ge 3 ] || usage
[ "$1" = build ] || usage
FLAVOUR=$2
OUT=$3
shift 3
case "$FLAVOUR" in systemd|services) ;; *) echo "debian12.sh: flavour must be systemd or services, not '$FLAVOUR'" >&2; usage ;; esac
case "$OUT" in *.ext4) ;; *) echo "debian12.sh: OUT must end in .ext4: $OUT" >&2; usage ;; esac
PUBKEY=
while [ $# -gt 0 ]; do
  case "$1" in
    --authorized-key)
      [ $# -ge 2 ] || usage
      PUBKEY=$2; shift 2
      [ -r "$PUBKEY" ] || die "--authorized-key: cannot read $PUBKEY"
      grep -qE '^(ssh-|ecdsa-)' "$PUBKEY" || die "--authorized-key: $PUBKEY is not an OpenSSH public key"
      ;;
    *) echo "debian12.sh: unknown argument: $1" >&2; usage ;;
  esac
done
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot, mkfs.ext4 -d with owners)"
command -v debootstrap >/dev/null || die "debootstrap is missing (bash testbed/install-deps.sh)"
OUT_DIR=$(dirname "$OUT")
[ -d "$OUT_DIR" ] || die "no such folder: $OUT_DIR"

KEY=$(printf '%s\n' "$BOOTSTRAP_VERSION" "$SUITE" "$MIRROR" "${PACKAGES[@]}" | sha256sum | cut -c1-16)
TARBALL=$CACHE_DIR/debian12-$KEY.tar

WORK=$(mktemp -d /var/tmp/onehaul-debian12.XXXXXX)
cleanup() {
  for m in proc dev/pts dev sys; do mountpoint -q "$WORK/root/$m" 2>/dev/null && umount -l "$WORK/root/$m"; done
  rm -rf "$WORK"
}
trap cleanup EXIT

bootstrap_into_cache() {
  mkdir -p "$CACHE_DIR"
  exec 9>"$TARBALL.lock"
  flock 9
  if [ -s "$TARBALL" ]; then return; fi   # another build made it while we waited
  local t0=$SECONDS tree=$WORK/bootstrap
  log "debootstrap $SUITE (minbase + ${#PACKAGES[@]} packages) from $MIRROR; cached as $TARBALL"
  local IFS=,
  debootstrap --variant=minbase --include="${PACKAGES[*]}" "$SUITE" "$tree" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
  unset IFS
  rm -rf "$tree"/var/cache/apt/archives/*.deb "$tree"/var/lib/apt/lists/*_Packages
  tar -C "$tree" --numeric-owner --xattrs -cf "$TARBALL.tmp.$$" .
  mv -f "$TARBALL.tmp.$$" "$TARBALL"
  rm -rf "$tree"
  log "debootstrap done in $((SECONDS - t0)) s"
}

t_start=$SECONDS
[ -s "$TARBALL" ] || bootstrap_into_cache
ROOT=$WORK/root
mkdir -p "$ROOT"
tar -C "$ROOT" --numeric-owner --xattrs -xf "$TARBALL"

# --- customisation, common to both flavours -----------------------------------------------------
# shellcheck source=testbed/images/debian12-files.sh
. "$HERE/debian12-files.sh"
install_common_files "$ROOT" "$PUBKEY"
case "$FLAVOUR" in
  services) install_services_flavour "$ROOT" ;;
  systemd)  install_systemd_flavour "$ROOT" ;;
esac
echo "$FLAVOUR" > "$ROOT/etc/onehaul-image-flavour"

# --- the ext4 image ------------------------------------------------------------------------------
rm -f "$OUT.tmp"
truncate -s "${IMAGE_MB}M" "$OUT.tmp"
# lazy_itable_init=0: as testbed.sh's counter image, no background zeroing after every mount
mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 -L onehaul-deb12 -d "$ROOT" "$OUT.tmp"
mv -f "$OUT.tmp" "$OUT"
log "built $OUT ($FLAVOUR, $(du -m "$OUT" | cut -f1) MiB used of ${IMAGE_MB} MiB) in $((SECONDS - t_start)) s"
