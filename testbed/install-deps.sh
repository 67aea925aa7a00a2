#!/usr/bin/env bash
# Installs what the OneHaul test bed and build need on a fresh Debian 12 (bookworm) machine, as root.
# Idempotent: a second run only checks.
#
# Why trixie for CRIU: bookworm's criu 3.17.1 fails `criu check` on the 6.x kernels we run on
# (vDSO detection). trixie's 4.x works. trixie is pinned at priority 100 so that nothing else
# is silently upgraded from it (see shared notes: criu-lxc-on-these-machines.md).
set -euo pipefail

log() { echo "install-deps: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
  log "must run as root"; exit 1
fi

export DEBIAN_FRONTEND=noninteractive
PKGS=(lxc lxc-templates busybox-static openssh-server openssh-client rsync iptables iproute2
      bridge-utils e2fsprogs util-linux procps maven openjdk-17-jdk-headless python3
      gcc libc6-dev   # static test workloads (bench/src/*.c); perl-base (host helpers) is essential
      xfsprogs        # the hosts' datastores are XFS with reflinks (testbed.sh)
      iputils-arping iputils-ping   # hosts announce a moved container's addresses; clients measure gaps
      debootstrap     # the Debian 12 test image (images/debian12.sh)
      qemu-system-x86 qemu-utils)   # guest.sh: a stock-kernel guest (soft-dirty) under TCG

need_install=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need_install+=("$p")
done

criu_ok() { command -v criu >/dev/null && dpkg --compare-versions "$(criu --version | awk '/Version/{print $2}')" ge 4.0; }

if [ ${#need_install[@]} -eq 0 ] && criu_ok; then
  bash "$(dirname "$0")/criu-compat/build.sh"   # CRIU 4.1.1 on Linux >= 6.16 (criu-compat.c)
  log "all packages present"; exit 0
fi

if [ ! -f /etc/apt/sources.list.d/onehaul-trixie.list ]; then
  echo 'deb http://deb.debian.org/debian trixie main' > /etc/apt/sources.list.d/onehaul-trixie.list
fi
cat > /etc/apt/preferences.d/onehaul-trixie-pin <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN

apt-get update -q >/dev/null
if [ ${#need_install[@]} -gt 0 ]; then
  log "installing: ${need_install[*]}"
  apt-get install -y -q --no-install-recommends "${need_install[@]}" >/dev/null
fi
if ! criu_ok; then
  log "installing criu from trixie"
  apt-get install -y -q --no-install-recommends -t trixie criu >/dev/null
fi
bash "$(dirname "$0")/criu-compat/build.sh"   # CRIU 4.1.1 on Linux >= 6.16 (criu-compat.c)
# sshd is started per host namespace by the test bed; the system one is not needed.
systemctl disable --now ssh >/dev/null 2>&1 || true
log "criu $(criu --version | awk '/Version/{print $2}'), $(lxc-start --version 2>/dev/null | sed 's/^/lxc /')"
