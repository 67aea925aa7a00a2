#!/usr/bin/env bash
# Installs what the OneHaul build and test bed need on the FRONT-END, a fresh Debian 12 (bookworm)
# machine, as root. Idempotent: a second run only checks.
#
# Only bookworm packages, from the machine's own sources: installing must never change the machine's
# release (no libc6, dpkg or base-files of another suite; scripts/test.sh checks). The hosts' LXC, CRIU,
# sshd, iptables and arping are NOT installed here: the test bed's hosts run a Debian 13 root of their
# own (hostroot.sh, debootstrap), which ships CRIU >= 4 natively. Bookworm's own criu 3.17.1 fails
# `criu check` on the 6.x kernels these machines run, and nothing on the front-end runs LXC or CRIU.
set -euo pipefail

log() { echo "install-deps: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
  log "must run as root"; exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# What the front-end itself runs (everything else runs inside a host):
PKGS=(openjdk-17-jdk-headless maven   # the build and the tests
      openssh-client                  # ssh/ssh-keygen: the driver, tests and testbed.sh reach hosts over SSH
      rsync                           # the onehaul TM copies front-end <-> host; transfer tests run it locally
      perl                            # the driver's block-range scripts, run locally by transfer tests (Digest::MD5)
      iproute2                        # ip, tc, bridge: the test bed's links, shaping and VXLAN segment
      util-linux mount                # nsenter, unshare, losetup, flock: namespaces and images
      procps                          # sysctl (fs.pipe-max-size), pkill (fault specs)
      e2fsprogs                       # mkfs.ext4 -d (container images), debugfs (reading an image's host key)
      xfsprogs                        # mkfs.xfs: the hosts' datastores are XFS with reflinks (testbed.sh)
      busybox-static                  # the counter test container's only program (testbed.sh image-*)
      python3                         # the demo's and specs' HTTP clients (scripts/lib)
      gcc libc6-dev                   # the CRIU compat preload, the WAN delay line, static test workloads
      iputils-ping                    # clients on the front-end measure a moved container's network gap
      debootstrap                     # the hosts' Debian 13 root (hostroot.sh), the Debian 12 test image
      qemu-system-x86 qemu-utils      # guest.sh: a guest with a stock kernel (soft-dirty: pre-dump) under TCG
      shellcheck)                     # HostProgramsLintTest: the programs the driver runs on hosts

need_install=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need_install+=("$p")
done

if [ ${#need_install[@]} -gt 0 ]; then
  log "installing (from this machine's own release): ${need_install[*]}"
  apt-get update -q >/dev/null
  # Refused before anything changes if apt would replace the machine's libc, dpkg or base-files (say, a
  # machine whose apt sources still name another suite): that would change its release.
  plan=$(apt-get install -s -y -q --no-install-recommends "${need_install[@]}")
  if grep -E '^Inst (libc6|dpkg|base-files)[ :]' <<< "$plan" >&2; then
    log "refusing: installing ${need_install[*]} would replace the packages above (this machine's release"
    log "would change); check /etc/apt/sources.list* for another suite"
    exit 1
  fi
  apt-get install -y -q --no-install-recommends "${need_install[@]}" >/dev/null
else
  log "all packages present"
fi
# The test bed's hosts need the trixie root to know trixie (bookworm's debootstrap does).
[ -f /usr/share/debootstrap/scripts/trixie ] || { log "debootstrap does not know trixie"; exit 1; }
# The compat preload, built by this machine's gcc; the hosts get its folder bound in (testbed.sh).
bash "$(dirname "$0")/criu-compat/build.sh"   # CRIU 4.1.1 on Linux >= 6.16 (criu-compat.c)
