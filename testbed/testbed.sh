#!/usr/bin/env bash
# testbed.sh: N fake OpenNebula/LXC "hosts" on this one machine, for OneHaul's Java tests and demo.
#
# Every host hN is a network namespace (ohtb-hN, 10.231.0.(10+N)) plus a mount namespace in which
# the standard OpenNebula/LXC paths are bind-mounted from per-host folders under the state dir.
# Each host runs its own sshd. So code under test can treat h1 and h2 like two real machines:
# ssh to them, find /var/lib/lxc and /var/lib/one/datastores where it expects, and not see the
# other host's files, containers or LXC command sockets (abstract sockets are per netns).
# Background and measured facts: /work/shared/notes/criu-lxc-on-these-machines.md, testbed/README.md.
#
#   testbed.sh up [N] [--provider-b "H..."]
#                                   create h1..hN (default 2); the hosts named (e.g. "h3") are provider
#                                   B's, behind the WAN link; a healthy bed of the same shape is kept
#   testbed.sh down                 remove everything `up` made; safe after a partial up or on nothing
#   testbed.sh status               hosts, IPs, sshd, running containers
#   testbed.sh exec HOST -- CMD...  run CMD in HOST's network and mount namespaces (no ssh)
#   testbed.sh image-dir DIR        build the test container rootfs as a directory
#   testbed.sh image-ext4 FILE [MB] ...or as a raw ext4 image (default 64 MiB)
#   testbed.sh link HOST tbf MBIT   shape HOST's link to MBIT Mbit/s both ways (tbf; idempotent)
#   testbed.sh link HOST clear      remove that shaping (idempotent)
#   testbed.sh link HOST show       the qdiscs on both ends of HOST's link
#   testbed.sh providers split|join isolate the providers (what `up` does) / let them reach each other
#   testbed.sh host HOST down|up    HOST dies as a machine does (link down, every process killed, its disk
#                                   kept) / comes back as after a reboot (link and sshd, no containers)
#
# State dir: ${ONEHAUL_TESTBED_DIR:-/var/lib/onehaul-testbed}; after `up` it holds `env`.
# Datastores: ${ONEHAUL_TESTBED_DATASTORE_FS:-xfs}: each host's /var/lib/one/datastores is an XFS
# file system of its own (a sparse image in the state dir, reflinks on, as OpenNebula hosts on
# RHEL-like systems have by default), so a migration can snapshot disk images; `dir` = a plain folder.
# WAN to provider B: ${ONEHAUL_TESTBED_WAN_RTT_MS:-40} ms of added round trip (delayline.c), and
# ${ONEHAUL_TESTBED_WAN_MBIT:-100} Mbit/s (tbf; 0 = not shaped), set by `up`.
# SC2015: `test && test || die` is used on purpose throughout: the die (or `|| true`) is meant to run
# when any part before it fails.
# shellcheck disable=SC2015
set -euo pipefail

STATE=${ONEHAUL_TESTBED_DIR:-/var/lib/onehaul-testbed}
SELF=$(readlink -f "$0")
DATASTORE_FS=${ONEHAUL_TESTBED_DATASTORE_FS:-xfs}
DATASTORE_IMAGE_SIZE=64G        # sparse: only what the datastores hold takes disk space
case "$DATASTORE_FS" in xfs|dir) ;; *) echo "testbed: ONEHAUL_TESTBED_DATASTORE_FS must be xfs or dir" >&2; exit 2 ;; esac

# Names and addresses are fixed (not derived from STATE): only one test bed can exist per machine.
FE_BRIDGE=ohtb0                 # root-namespace bridge: the "front-end" side of the host network
# The hosts' network and names can be set: guest.sh runs a second bed inside a QEMU guest that the
# front-end reaches besides this one, so its addresses and host names must differ (defaults unchanged).
NET=${ONEHAUL_TESTBED_NET:-10.231.0}          # NET.0/24: the front-end's bridge is NET.1, host N is NET.(10+N)
FE_IP=$NET.1
HOST_PREFIX=${ONEHAUL_TESTBED_HOST_PREFIX:-h}  # hosts PREFIX1..PREFIXn
[[ "$NET" =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || { echo "testbed: ONEHAUL_TESTBED_NET must be like 10.231.0" >&2; exit 2; }
[[ "$HOST_PREFIX" =~ ^[a-z]+$ ]] || { echo "testbed: ONEHAUL_TESTBED_HOST_PREFIX must be lower-case letters" >&2; exit 2; }
# The hosts' root: ONEHAUL_TESTBED_HOSTROOT=/ (what guest.sh sets) means this machine's own root, no bind:
# inside the guest the root already is the host root.
# Provider B's hosts are not on the bridge: each has a point-to-point TUN link to the front-end
# (WAN_FE_IP on the front-end's side) through a delay line, and its own address in WAN_NET.
WAN_NET=10.231.1
WAN_FE_IP=10.231.1.1
WAN_RTT_MS=${ONEHAUL_TESTBED_WAN_RTT_MS:-40}
WAN_MBIT=${ONEHAUL_TESTBED_WAN_MBIT:-100}
[[ "$WAN_RTT_MS" =~ ^[0-9]+$ ]] && [ "$WAN_RTT_MS" -le 2000 ] || { echo "testbed: ONEHAUL_TESTBED_WAN_RTT_MS must be 0..2000" >&2; exit 2; }
[[ "$WAN_MBIT" =~ ^[0-9]+$ ]] && [ "$WAN_MBIT" -le 100000 ] || { echo "testbed: ONEHAUL_TESTBED_WAN_MBIT must be 0..100000" >&2; exit 2; }
PROVIDER_CHAIN=OHTB-PROVIDER   # iptables chain in every host that keeps the providers apart
NIC_BRIDGE=onebr0               # per-host bridge that container NICs attach to (no address on purpose)
# The containers' network (10.232.1.0/24): one L2 segment across every host's NIC bridge, carried by
# VXLAN as OpenNebula's VXLAN networks carry it, and reaching the front-end's bridge VN_BRIDGE, which
# has VN_FE_IP: a client on the front-end reaches a container at the same IP on whichever host it runs.
VN_BRIDGE=ohtbvn0
VN_FE_IP=10.232.1.1
VN_PREFIX=24
VN_VNI=4242
VN_PORT=4789
VN_DEVICE=vxlan0                # the VXLAN device inside each host, a port of its NIC bridge
VN_FE_DEVICE_PREFIX=ohtbvx-     # the front-end's VXLAN devices: ohtbvx-a (provider A's wire), ohtbvx-hN (B)
# Underlay MTU: a VXLAN frame is 50 bytes longer than the 1500-byte frame it carries.
UNDERLAY_MTU=1600
NETNS_PREFIX=ohtb-              # network namespace ohtb-hN
VETH_PREFIX=vohtb-              # root-side veth end vohtb-hN (the host side is renamed eth0)
HOSTS_BEGIN='# BEGIN onehaul-testbed'
HOSTS_END='# END onehaul-testbed'
LOCK=/run/onehaul-testbed.lock
MAX_HOSTS=50
# CRIU cannot use hardware breakpoints in these VMs: it must fall back to syscall tracing (notes).
# And CRIU 4.1.1 cannot dump a process with an inet socket on Linux >= 6.16, nor another user's
# process where root lacks CAP_SYS_RESOURCE (as here): the compat preload answers both
# (testbed/criu-compat/criu-compat.c, testbed/images/README.md). Busybox containers needed neither;
# every real service does. Published in `env` for the driver's configurable CRIU environment, not
# set globally on hosts, so that tests prove the driver really passes it through.
CRIU_COMPAT=/usr/local/lib/onehaul/criu-compat.so
# ONEHAUL_TESTBED_CRIU_ENV replaces it (may be empty) where the kernel needs less (guest.sh: Linux < 6.16).
CRIU_ENV=${ONEHAUL_TESTBED_CRIU_ENV-"CRIU_FAULT=130 LD_PRELOAD=$CRIU_COMPAT"}

# The hosts' operating system: a Debian 13 root (hostroot.sh, built once and cached) whose /usr and /etc
# every host's mount namespace shows instead of the front-end's, so hosts run trixie's LXC, CRIU, sshd,
# rsync and iptables while the front-end keeps its own release. Bound back in from the front-end:
# /etc/hosts (h1, h2... are written there, in place, by this script), /etc/resolv.conf, and the folder
# of the CRIU compat preload, which the front-end's gcc builds (criu-compat/build.sh).
HOSTROOT_SH=$(dirname "$SELF")/hostroot.sh
HOST_KEEP=(/etc/hosts /etc/resolv.conf "$(dirname "$CRIU_COMPAT")")

# Paths each host gets its own copy of. /sys and /proc are deliberately not touched: LXC needs
# the machine's /sys/fs/cgroup as it is.
HOST_PATHS=(/var/lib/one/datastores /var/lib/lxc /run/lxc /var/log/lxc /root/.ssh /var/tmp/one)
# bash reads ~/.bashrc for every `ssh host cmd`. On the development VMs root's .bashrc runs
# `pyenv init`, which made every ssh command take 1-3 s; the hosts get a plain one instead.
HOST_BASHRC=/root/.bashrc

log() { echo "testbed: $*" >&2; }
die() { log "error: $*"; exit 1; }

netns_of() { echo "${NETNS_PREFIX}$1"; }
mntns_of() { echo "$STATE/ns/$1"; }
hostdir() { echo "$STATE/hosts/$1"; }
# Provider B's hosts, as `up` recorded them (one name per line).
provider_b() { cat "$STATE/provider-b" 2>/dev/null || true; }
in_provider_b() { provider_b | grep -qx "$1"; }
host_ip() { if in_provider_b "$1"; then echo "$WAN_NET.$((10 + ${1#"$HOST_PREFIX"}))"; else echo "$NET.$((10 + ${1#"$HOST_PREFIX"}))"; fi; }

# Run a command inside a host's namespaces. nsenter, not `ip netns exec`: the latter remounts /sys,
# which hides /sys/fs/cgroup, and LXC then cannot create cgroups.
host_exec() {
  local h=$1; shift
  nsenter --net="/run/netns/$(netns_of "$h")" --mount="$(mntns_of "$h")" -- "$@"
}

ssh_opts() {
  echo -o BatchMode=yes -o ConnectTimeout=3 -o IdentitiesOnly=yes \
       -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$STATE/known_hosts" \
       -o GlobalKnownHostsFile=/dev/null -i "$STATE/keys/frontend"
}

# The pid in FILE if that process is alive, else nothing.
live_pid_in() {
  local pid
  [ -s "$1" ] || return 0
  pid=$(cat "$1")
  if alive "$pid"; then echo "$pid"; fi
}

# sshd's pid if it is alive, else nothing.
sshd_pid() { live_pid_in "$(hostdir "$1")/sshd.pid"; }

# ---------------------------------------------------------------------------------------------
# /etc/hosts block. Edited in place (cat >) rather than replaced, so it also works if /etc/hosts
# is itself a bind mount.

hosts_block_strip() {
  local tmp
  tmp=$(mktemp)
  awk -v b="$HOSTS_BEGIN" -v e="$HOSTS_END" '
    $0 == b { skip = 1; next }
    $0 == e { skip = 0; next }
    !skip' /etc/hosts > "$tmp"
  # Give back a missing final newline that hosts_block_write had to add.
  if [ -f "$STATE/hosts-no-eol" ] && [ -s "$tmp" ]; then truncate -s -1 "$tmp"; fi
  cat "$tmp" > /etc/hosts
  rm -f "$tmp"
}

hosts_block_write() {
  hosts_block_strip
  rm -f "$STATE/hosts-no-eol"
  # A file without a final newline (as on these VMs) would glue our first line to its last one.
  if [ -s /etc/hosts ] && [ -n "$(tail -c1 /etc/hosts)" ]; then
    echo >> /etc/hosts
    touch "$STATE/hosts-no-eol"
  fi
  {
    echo "$HOSTS_BEGIN"
    for h in "$@"; do echo "$(host_ip "$h") $h"; done
    echo "$HOSTS_END"
  } >> /etc/hosts
}

# ---------------------------------------------------------------------------------------------
# down

# Hosts that may exist, from the state dir and from netns and link names (not from `env`, which is
# written last), so that a partial `up` is cleaned too.
known_hosts_list() {
  {
    [ -d "$STATE/hosts" ] && ls "$STATE/hosts"
    [ -d "$STATE/ns" ] && ls "$STATE/ns"
    ip netns list 2>/dev/null | awk '{print $1}' | sed -n "s/^${NETNS_PREFIX}//p"
    ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | sed -n "s/^${VETH_PREFIX}//p"
  } | grep -E "^${HOST_PREFIX}[0-9]+\$" | sort -u -V || true
}

# Processes that belong to host $1: in its network namespace or its mount namespace.
# (One stat over all of /proc: forking per process takes seconds on these VMs.)
host_pids() {
  local h=$1 ns mntns net_ino=-1 mnt_ino=-1
  ns="/run/netns/$(netns_of "$h")"; mntns=$(mntns_of "$h")
  [ -e "$ns" ] && net_ino=$(stat -L -c %i "$ns" 2>/dev/null || echo -1)
  mountpoint -q "$mntns" 2>/dev/null && mnt_ino=$(stat -L -c %i "$mntns" 2>/dev/null || echo -1)
  stat -L -c '%i %n' /proc/[0-9]*/ns/net /proc/[0-9]*/ns/mnt 2>/dev/null \
    | awk -v n="$net_ino" -v m="$mnt_ino" -v self=$$ '
        { split($2, f, "/"); pid = f[3]; kind = f[5] }
        pid != self && ((kind == "net" && $1 == n) || (kind == "mnt" && $1 == m)) { print pid }' \
    | sort -u -n
}

# Container processes whose monitor is gone are in neither host namespace (containers get their own).
# They are recognised by their root mount: a bind of a folder under the state dir, or a loop device
# whose backing file is under the state dir. Only processes in an LXC payload cgroup are looked at,
# so nothing outside the test bed is touched.
stray_container_pids() {
  local p root src loopdev back
  # shellcheck disable=SC2013  # pids: one word per line
  for p in $(grep -l 'lxc\.payload' /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3); do
    # mountinfo fields: id parent maj:min root mountpoint opts ... - fstype source superopts
    read -r root src < <(awk '$5 == "/" { for (i = 7; $i != "-"; i++); print $4, $(i + 2); exit }' \
                           "/proc/$p/mountinfo" 2>/dev/null) || continue
    case "$root" in "$STATE"/*) echo "$p"; continue ;; esac
    case "$src" in
      /dev/loop*)
        loopdev=${src#/dev/}
        back=$(cat "/sys/block/$loopdev/loop/backing_file" 2>/dev/null || true)
        # The kernel shows the backing file's path as seen by whoever attached it: on a host that
        # is the datastore path, not the state dir.
        case "$back" in "$STATE"/*|/var/lib/one/datastores/*) echo "$p" ;; esac ;;
    esac
  done
}

# Alive = exists and is not a zombie. (PID 1 of these VMs is slow to reap orphans, and a zombie
# holds no namespace, so it does not count.)
alive() {
  local st
  st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1   # after "(comm) ": state ...
  [ -n "$st" ] && [ "${st%% *}" != Z ]
}

kill_pids() {
  local pids=("$@") p left
  [ ${#pids[@]} -gt 0 ] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 30); do       # up to 3 s for a clean exit
    left=0
    for p in "${pids[@]}"; do alive "$p" && left=$((left + 1)); done
    [ "$left" -eq 0 ] && return 0
    sleep 0.1
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
  sleep 0.2
}

stop_host() {
  local h=$1 c pids kids
  # Stop containers the normal way first, while their monitors still answer.
  if [ -e "/run/netns/$(netns_of "$h")" ] && mountpoint -q "$(mntns_of "$h")" 2>/dev/null; then
    for c in $(timeout 10 "$SELF" exec "$h" -- lxc-ls --running -1 2>/dev/null || true); do
      log "$h: stopping container $c"
      timeout 20 "$SELF" exec "$h" -- lxc-stop -k -n "$c" >/dev/null 2>&1 || true
    done
  fi
  # Then everything still in the host's namespaces (sshd, monitors, sessions), and their direct
  # children (a container's init lives in its own namespaces but is a child of its monitor).
  mapfile -t pids < <(host_pids "$h")
  if [ ${#pids[@]} -gt 0 ]; then
    mapfile -t kids < <(for p in "${pids[@]}"; do cat "/proc/$p/task/$p/children" 2>/dev/null || true; done | tr ' ' '\n' | grep . || true)
    log "$h: killing ${#pids[@]} process(es)"
    kill_pids "${kids[@]}" "${pids[@]}"
  fi
}

do_down() {
  local h hosts p c ct_names
  mapfile -t hosts < <(known_hosts_list)
  mapfile -t ct_names < <(for c in "$STATE"/hosts/*/fs/var/lib/lxc/*/; do
                            [ -d "$c" ] && basename "$c"; done | sort -u)
  for h in "${hosts[@]}"; do stop_host "$h"; done
  for h in "${hosts[@]}"; do
    p=$(delayline_pid "$h")
    if [ -n "$p" ]; then kill_pids "$p"; fi
  done
  mapfile -t p < <(stray_container_pids)
  if [ ${#p[@]} -gt 0 ]; then log "killing ${#p[@]} stray container process(es)"; kill_pids "${p[@]}"; fi

  for h in "${hosts[@]}"; do
    # Dropping the last reference to a mount namespace undoes every mount made inside it
    # (bind mounts, loop-mounted images).
    if mountpoint -q "$(mntns_of "$h")" 2>/dev/null; then
      umount "$(mntns_of "$h")" 2>/dev/null || umount -l "$(mntns_of "$h")"
    fi
    ip netns del "$(netns_of "$h")" 2>/dev/null || true
    ip link del "${VETH_PREFIX}$h" 2>/dev/null || true
  done
  if mountpoint -q "$STATE/ns" 2>/dev/null; then umount "$STATE/ns" 2>/dev/null || umount -l "$STATE/ns"; fi
  ip link del "$FE_BRIDGE" 2>/dev/null || true
  for p in $(ip -o link show type vxlan 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep "^$VN_FE_DEVICE_PREFIX" || true); do
    ip link del "$p" 2>/dev/null || true
  done
  ip link del "$VN_BRIDGE" 2>/dev/null || true
  hosts_block_strip

  # Loop devices whose image lives in the state dir (seen from a host: in a datastore). Mounts made
  # with -o loop auto-clear when the namespace goes away; this catches ones attached by hand.
  local dev back
  while read -r dev back; do
    case "$back" in
      "$STATE"/*|/var/lib/one/datastores/*) log "detaching $dev ($back)"; losetup -d "$dev" 2>/dev/null || true ;;
    esac
  done < <(losetup -n -l -O NAME,BACK-FILE 2>/dev/null || true)

  # LXC leaves empty cgroups behind (e.g. lxc.monitor.NAME after a restore or a failed start), and
  # then names new ones NAME-1, NAME-2... Remove the empty ones of the containers the hosts defined;
  # rmdir fails on a cgroup that still has processes, so nothing live is touched.
  local cg
  for c in "${ct_names[@]}"; do
    for cg in /sys/fs/cgroup/*/lxc.monitor."$c" /sys/fs/cgroup/*/lxc.monitor."$c"-[0-9]* \
              /sys/fs/cgroup/*/lxc.payload."$c" /sys/fs/cgroup/*/lxc.payload."$c"-[0-9]*; do
      [ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
  done

  # Mount points `up` had to create in the root file system (recorded at creation), if still empty.
  if [ -f "$STATE/made-run-netns" ] && [ -z "$(ls -A /run/netns 2>/dev/null)" ]; then
    umount /run/netns 2>/dev/null && rmdir /run/netns 2>/dev/null || true
  fi
  if [ -f "$STATE/created-dirs" ]; then
    tac "$STATE/created-dirs" | while read -r d; do rmdir "$d" 2>/dev/null || true; done
  fi
  if [ -d "$STATE" ]; then
    # --one-file-system: never descend into something still mounted.
    rm -rf --one-file-system "$STATE"
  fi
}

# ---------------------------------------------------------------------------------------------
# up

# mkdir -p that records every folder it creates, so that `down` can remove them again.
mkdir_recorded() {
  local d=$1 missing=()
  while [ ! -d "$d" ]; do missing=("$d" "${missing[@]}"); d=$(dirname "$d"); done
  for d in "${missing[@]}"; do mkdir "$d" && echo "$d" >> "$STATE/created-dirs"; done
}

# Runs inside a fresh mount namespace and the host's network namespace (via hostroot.sh run, see
# make_host), which already shows the hosts' root: bind the host's own folders over the standard paths.
mntns_setup() {
  local h=$1 p sysfs
  # The new namespace inherited a copy of $STATE/ns, which holds the other hosts' namespace
  # files; detach it so that this namespace does not pin theirs.
  umount -l "$STATE/ns"
  # The datastores' file system is mounted in this namespace only: it goes away with it (`down`).
  if [ -f "$(hostdir "$h")/datastores.xfs" ]; then
    mount -o loop,discard "$(hostdir "$h")/datastores.xfs" "$(hostdir "$h")/fs/var/lib/one/datastores"
  fi
  for p in "${HOST_PATHS[@]}"; do
    mount --bind "$(hostdir "$h")/fs$p" "$p"
  done
  if [ -f "$HOST_BASHRC" ]; then mount --bind "$(hostdir "$h")/fs$HOST_BASHRC" "$HOST_BASHRC"; fi
  # sysfs shows the network devices of the namespace that mounted it, so the inherited /sys shows
  # the front-end's, and lxc-start fails with 'Failed to attach "vethX" to bridge "onebr0", bridge
  # interface doesn't exist'. So a sysfs mounted here, inside the host's network namespace, goes over
  # /sys, and the machine's cgroup tree (which LXC needs as it is) back onto its empty /sys/fs/cgroup.
  # Whole, not two bind mounts over its network folders: an unprivileged container may mount sysfs only
  # where the one it sees is fully visible (no mount over a folder that has entries), as on a real host.
  # securityfs too, where the machine has it: LXC reads AppArmor's features there, and refuses to start
  # a container it would confine ("Incomplete AppArmor support") when they are missing.
  local secfs=no
  mountpoint -q /sys/kernel/security && secfs=yes
  sysfs="$(hostdir "$h")/.cgroup"
  mkdir -p "$sysfs"
  mount --rbind /sys/fs/cgroup "$sysfs"
  mount -t sysfs sysfs /sys
  mount --rbind "$sysfs" /sys/fs/cgroup
  umount -l "$sysfs"
  rmdir "$sysfs"
  if [ "$secfs" = yes ]; then mount -t securityfs securityfs /sys/kernel/security; fi
}

# Provider A: a veth from the front-end's bridge to eth0 inside the host; A's hosts share that segment.
link_provider_a() {
  local h=$1 ip=$2 netns=$3
  ip link add "${VETH_PREFIX}$h" mtu "$UNDERLAY_MTU" type veth peer name eth0 mtu "$UNDERLAY_MTU" netns "$netns"
  ip link set "${VETH_PREFIX}$h" master "$FE_BRIDGE" up
  nsenter --net="/run/netns/$netns" sh -c "
    ip addr add $ip/24 dev eth0
    ip link set eth0 up
    ip route add default via $FE_IP"
}

# Provider B: a TUN device at each end (${VETH_PREFIX}hN on the front-end, eth0 in the host), point to
# point, joined by the delay line. Same device names as A's veth ends, so `link` shapes either.
link_provider_b() {
  local h=$1 ip=$2 netns=$3
  ip tuntap add dev "${VETH_PREFIX}$h" mode tun
  ip addr add "$WAN_FE_IP" peer "$ip" dev "${VETH_PREFIX}$h"
  ip link set "${VETH_PREFIX}$h" mtu "$UNDERLAY_MTU" up
  nsenter --net="/run/netns/$netns" sh -c "
    ip tuntap add dev eth0 mode tun
    ip addr add $ip peer $WAN_FE_IP dev eth0
    ip link set eth0 mtu $UNDERLAY_MTU up
    ip route add default via $WAN_FE_IP dev eth0"
  start_delayline "$h"
}

delayline_pid() { live_pid_in "$(hostdir "$1")/delayline.pid"; }

start_delayline() {
  local h=$1 hd
  hd=$(hostdir "$h")
  mkdir -p "$hd"
  # std fds away from the caller's pipes and fd 9 (the lock) closed, as for sshd (start_sshd).
  "$STATE/delayline" "$((WAN_RTT_MS / 2))" "${VETH_PREFIX}$h" "/run/netns/$(netns_of "$h")" eth0 \
    </dev/null >>"$hd/delayline.log" 2>&1 9>&- &
  echo $! > "$hd/delayline.pid"
}

# Every host drops what comes from or goes to the other provider's addresses (iptables in its own
# namespace), so isolation holds whatever the front-end routes. No-op on a bed without provider B.
providers_split() {
  local h other
  [ -n "$(provider_b)" ] || return 0
  for h in "$@"; do
    if in_provider_b "$h"; then other="$NET.0/24"; else other="$WAN_NET.0/24"; fi
    # The host's own iptables (its root's), in its network namespace: host_exec, not nsenter --net.
    host_exec "$h" sh -c "
      iptables -w -N $PROVIDER_CHAIN 2>/dev/null || iptables -w -F $PROVIDER_CHAIN
      iptables -w -A $PROVIDER_CHAIN -s $other -j DROP
      iptables -w -A $PROVIDER_CHAIN -d $other -j DROP
      iptables -w -C INPUT -j $PROVIDER_CHAIN 2>/dev/null || iptables -w -I INPUT -j $PROVIDER_CHAIN
      iptables -w -C OUTPUT -j $PROVIDER_CHAIN 2>/dev/null || iptables -w -I OUTPUT -j $PROVIDER_CHAIN"
  done
  front_end_forwarding 0
}

# For a direct path between providers over the same WAN link (benchmarks): the rules go and the
# front-end forwards between its bridge and provider B's links, and only there (per device).
providers_join() {
  local h
  [ -n "$(provider_b)" ] || die "no provider B on this test bed (up N --provider-b HOSTS)"
  for h in "$@"; do
    host_exec "$h" iptables -w -F "$PROVIDER_CHAIN" 2>/dev/null || true
  done
  front_end_forwarding 1
}

front_end_forwarding() {
  local v=$1 h
  echo "$v" > "/proc/sys/net/ipv4/conf/$FE_BRIDGE/forwarding"
  for h in $(provider_b); do echo "$v" > "/proc/sys/net/ipv4/conf/${VETH_PREFIX}$h/forwarding"; done
}

# Split = each host's chain holds its two DROP rules.
providers_split_now() {
  local h
  [ -n "$(provider_b)" ] || return 0
  for h in "$@"; do
    [ "$(host_exec "$h" iptables -w -S "$PROVIDER_CHAIN" 2>/dev/null | grep -c -- '-j DROP')" = 2 ] || return 1
  done
}

# The containers' segment. Head-end replication (an all-zero FDB entry per peer), as OpenNebula's
# VXLAN driver does without multicast: provider A's hosts flood to each other and to the front-end;
# a provider B host only to the front-end (its one link), whose bridge joins the two sides.
vn_up() {
  local h others peer p vni
  ip link add "$VN_BRIDGE" type bridge
  ip addr add "$VN_FE_IP/$VN_PREFIX" dev "$VN_BRIDGE"
  ip link set "$VN_BRIDGE" up
  others=()
  for h in "$@"; do in_provider_b "$h" || others+=("$(host_ip "$h")"); done
  if [ ${#others[@]} -gt 0 ]; then
    vn_device "${VN_FE_DEVICE_PREFIX}a" "$VN_VNI" "$FE_IP" "$FE_BRIDGE" "${others[@]}"
    ip link set "${VN_FE_DEVICE_PREFIX}a" master "$VN_BRIDGE" up
  fi
  for h in "$@"; do
    if in_provider_b "$h"; then
      vni=$((VN_VNI + ${h#"$HOST_PREFIX"}))
      vn_device "${VN_FE_DEVICE_PREFIX}$h" "$vni" "$WAN_FE_IP" "${VETH_PREFIX}$h" "$(host_ip "$h")"
      ip link set "${VN_FE_DEVICE_PREFIX}$h" master "$VN_BRIDGE" up
      peer=("$WAN_FE_IP")
    else
      vni=$VN_VNI
      peer=("$FE_IP")
      for p in "${others[@]}"; do [ "$p" = "$(host_ip "$h")" ] || peer+=("$p"); done
    fi
    host_net "$h" "$(declare -f vn_device); $(declare -p VN_PORT); vn_device $VN_DEVICE $vni $(host_ip "$h") eth0 ${peer[*]}; ip link set $VN_DEVICE master $NIC_BRIDGE up"
  done
}

# vn_device NAME VNI LOCAL_IP UNDERLAY_DEV PEER...: a VXLAN port that floods to every peer. The kernel
# allows one device per VNI and port, so each provider B host's link to the front-end has a VNI of its
# own (VN_VNI + N); the front-end's bridge joins them into the one segment.
vn_device() {
  local name=$1 vni=$2 local_ip=$3 dev=$4 p; shift 4
  ip link add "$name" mtu 1500 type vxlan id "$vni" dstport "$VN_PORT" local "$local_ip" dev "$dev"
  for p in "$@"; do bridge fdb append 00:00:00:00:00:00 dev "$name" dst "$p"; done
}

host_net() { nsenter --net="/run/netns/$(netns_of "$1")" bash -c "$2"; }

vn_healthy() {
  local h
  ip link show "$VN_BRIDGE" >/dev/null 2>&1 || return 1
  for h in "$@"; do
    host_net "$h" "ip link show $VN_DEVICE" >/dev/null 2>&1 || return 1
  done
}

make_host() {
  local h=$1 ip hd p netns keep
  ip=$(host_ip "$h"); hd=$(hostdir "$h"); netns=$(netns_of "$h")

  # Network: eth0 to the front-end (provider A: on its bridge; B: over the WAN); a NIC bridge for containers.
  ip netns add "$netns"
  if in_provider_b "$h"; then link_provider_b "$h" "$ip" "$netns"; else link_provider_a "$h" "$ip" "$netns"; fi
  nsenter --net="/run/netns/$netns" sh -c "
    ip link set lo up
    ip link add $NIC_BRIDGE type bridge
    ip link set $NIC_BRIDGE up"

  # Files: per-host copies of the standard paths.
  for p in "${HOST_PATHS[@]}"; do mkdir -p "$hd/fs$p"; done
  chmod 700 "$hd/fs/root/.ssh"
  printf '# ~/.bashrc of test bed host %s (the machine'"'"'s own is hidden, see HOST_BASHRC)\n' "$h" \
    > "$hd/fs$HOST_BASHRC"
  cp "$STATE/keys/host-to-host" "$hd/fs/root/.ssh/id_ed25519"
  cp "$STATE/keys/host-to-host.pub" "$hd/fs/root/.ssh/id_ed25519.pub"
  chmod 600 "$hd/fs/root/.ssh/id_ed25519"
  cat "$STATE/keys/frontend.pub" "$STATE/keys/host-to-host.pub" > "$hd/authorized_keys"

  echo "$DATASTORE_FS" > "$hd/datastore-fs"
  if [ "$DATASTORE_FS" = xfs ]; then
    truncate -s "$DATASTORE_IMAGE_SIZE" "$hd/datastores.xfs"
    mkfs.xfs -q -m reflink=1 "$hd/datastores.xfs"
  fi

  # Mount namespace, kept alive by a bind mount on $STATE/ns/hN (which must be on a private mount). Made by
  # hostroot.sh (unshare) with the hosts' root's /usr and /etc in it, so that mntns_setup, and later every
  # process of the host, runs the host's programs; HOST_KEEP comes from the front-end.
  touch "$(mntns_of "$h")"
  mapfile -t keep < <(for p in "${HOST_KEEP[@]}"; do printf '%s\n' --keep "$p"; done)
  if [ "$HOSTROOT" = / ]; then
    nsenter --net="/run/netns/$netns" \
      unshare --mount="$(mntns_of "$h")" --propagation private -- "$SELF" _mntns-setup "$h"
  else
    nsenter --net="/run/netns/$netns" \
      bash "$HOSTROOT_SH" run --ns "$(mntns_of "$h")" "${keep[@]}" -- "$SELF" _mntns-setup "$h"
  fi

  # sshd in both namespaces, so ssh sessions see the host's network and paths.
  ssh-keygen -q -t ed25519 -N '' -C "$h" -f "$hd/ssh_host_ed25519_key"
  cat > "$hd/sshd_config" <<EOF
# sshd for test bed host $h (generated by testbed.sh)
ListenAddress $ip:22
HostKey $hd/ssh_host_ed25519_key
PidFile $hd/sshd.pid
AuthorizedKeysFile $hd/authorized_keys
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
# the state dir is not laid out the way StrictModes wants
StrictModes no
UseDNS no
PrintMotd no
# tests open many sessions and connections in parallel
MaxSessions 64
MaxStartups 64:30:128
Subsystem sftp internal-sftp
EOF
}

start_sshd() {
  local h=$1 hd
  hd=$(hostdir "$h")
  rm -f "$hd/sshd.pid"
  # std fds to /dev/null and fd 9 (the lock) closed: a daemon holding the caller's pipes would make
  # a Java caller wait for EOF forever, and one holding the lock would block the next `up`.
  host_exec "$h" /usr/sbin/sshd -f "$hd/sshd_config" -E "$hd/sshd.log" </dev/null >/dev/null 2>&1 9>&-
}

# Wait until root@HOST accepts the front-end key with strict host key checking.
wait_ssh() {
  local h=$1 _
  for _ in $(seq 50); do
    # shellcheck disable=SC2046
    if ssh $(ssh_opts) "root@$h" true </dev/null >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  # shellcheck disable=SC2046
  ssh $(ssh_opts) "root@$h" true </dev/null || true
  die "$h: sshd does not accept connections (log: $(hostdir "$h")/sshd.log)"
}

write_env() {
  local hosts=("$@") h tmp
  tmp="$STATE/env.tmp"
  {
    echo "TB_STATE=$STATE"
    echo "TB_HOSTS=${hosts[*]}"
    for h in "${hosts[@]}"; do
      echo "TB_${h}_IP=$(host_ip "$h")"
      echo "TB_${h}_NETNS=$(netns_of "$h")"
      echo "TB_${h}_MNTNS=$(mntns_of "$h")"
      echo "TB_${h}_FS=$(hostdir "$h")/fs"
    done
    echo "TB_FRONTEND_IP=$FE_IP"
    echo "TB_FRONTEND_KEY=$STATE/keys/frontend"
    echo "TB_KNOWN_HOSTS=$STATE/known_hosts"
    echo "TB_SSH_USER=root"
    echo "TB_SSH_CONFIG=$STATE/ssh_config"
    echo "TB_NIC_BRIDGE=$NIC_BRIDGE"
    echo "TB_VN_FRONTEND_IP=$VN_FE_IP"
    echo "TB_VN_PREFIX=$VN_PREFIX"
    echo "TB_CRIU_ENV=$CRIU_ENV"
    echo "TB_HOSTROOT=$HOSTROOT"
    echo "TB_SCRIPT=$SELF"
    echo "TB_PROVIDER_B=$(provider_b | tr '\n' ' ' | sed 's/ $//')"
    echo "TB_WAN_FRONTEND_IP=$WAN_FE_IP"
    echo "TB_WAN_RTT_MS=$WAN_RTT_MS"
    echo "TB_WAN_MBIT=$WAN_MBIT"
  } > "$tmp"
  # TB_HOSTS holds a space, so a plain `. env` would run "h2" as a command. env.sh is the same
  # content quoted for shells; `env` stays exactly KEY=value for Java.
  sed "s/^\([A-Za-z0-9_]*\)=\(.*\)$/\1='\2'/" "$tmp" > "$STATE/env.sh"
  mv "$tmp" "$STATE/env"
}

# Healthy = every piece `up` makes is there, every host shows the current root (HOSTROOT) with the compat
# preload, and every sshd takes a strict-host-key login.
healthy() {
  local n=$1 want_b=$2 hosts h root_id
  root_id=$(basename "$HOSTROOT")
  [ -f "$STATE/env" ] || return 1
  hosts=$(sed -n 's/^TB_HOSTS=//p' "$STATE/env")
  [ "$hosts" = "$(seq -f "$HOST_PREFIX%g" -s ' ' 1 "$n")" ] || return 1
  [ "$(provider_b | tr '\n' ' ')" = "$want_b" ] || return 1
  [ "$(sed -n 's/^TB_WAN_RTT_MS=//p' "$STATE/env")" = "$WAN_RTT_MS" ] || return 1
  [ "$(sed -n 's/^TB_CRIU_ENV=//p' "$STATE/env")" = "$CRIU_ENV" ] || return 1
  for h in $(provider_b); do [ -n "$(delayline_pid "$h")" ] || return 1; done
  # shellcheck disable=SC2086
  providers_split_now $hosts || return 1
  ip link show "$FE_BRIDGE" >/dev/null 2>&1 || return 1
  # shellcheck disable=SC2086
  vn_healthy $hosts || return 1
  grep -qx "$HOSTS_BEGIN" /etc/hosts || return 1
  for h in $hosts; do
    [ -e "/run/netns/$(netns_of "$h")" ] || return 1
    mountpoint -q "$(mntns_of "$h")" || return 1
    [ "$(cat "$(hostdir "$h")/datastore-fs" 2>/dev/null)" = "$DATASTORE_FS" ] || return 1
    # Both of the root's halves, as the host sees them: a bed made on another root (an older package
    # list, a root built since) runs other programs than the current root holds, so it is rebuilt.
    [ "$HOSTROOT" = / ] || [ "$(host_exec "$h" cat /etc/onehaul-hostroot /usr/share/onehaul-hostroot 2>/dev/null | tr '\n' ' ')" \
      = "$root_id $root_id " ] || return 1
    [[ "$CRIU_ENV" != *"$CRIU_COMPAT"* ]] || host_exec "$h" test -f "$CRIU_COMPAT" || return 1
    [ -n "$(sshd_pid "$h")" ] || return 1
    # shellcheck disable=SC2046
    ssh $(ssh_opts) "root@$h" true </dev/null >/dev/null 2>&1 || return 1
  done
}

anything_present() {
  [ -e "$STATE" ] || [ -n "$(known_hosts_list)" ] || ip link show "$FE_BRIDGE" >/dev/null 2>&1 \
    || ip link show "$VN_BRIDGE" >/dev/null 2>&1 \
    || grep -qx "$HOSTS_BEGIN" /etc/hosts
}

# Lazy pages (post-copy) need CRIU's page pipe to grow to ~3.2 MiB, which root here may only do up to
# fs.pipe-max-size (it lacks CAP_SYS_RESOURCE; shared notes). The hosts share this machine's kernel, so
# the test bed raises it for all of them, as an operator does on each host. Never lowered.
LAZY_PIPE_MAX=4194304
raise_pipe_max() {
  local cur; cur=$(cat /proc/sys/fs/pipe-max-size)
  if [ "$cur" -lt "$LAZY_PIPE_MAX" ]; then sysctl -q -w fs.pipe-max-size="$LAZY_PIPE_MAX"; fi
}

# Post-copy of an unprivileged container: CRIU 4.1 opens userfaultfd from inside the container's user
# namespace, which the kernel allows only with vm.unprivileged_userfaultfd = 1 (off on Debian). An
# operator who wants post-copy for unprivileged containers sets it on the destination hosts; the test
# bed sets it for all of them (one kernel) and puts the machine's value back at `down`.
allow_unprivileged_uffd() {
  local f=$STATE/unprivileged_userfaultfd.before
  [ -f /proc/sys/vm/unprivileged_userfaultfd ] || return 0
  mkdir -p "$STATE"
  [ -f "$f" ] || cat /proc/sys/vm/unprivileged_userfaultfd > "$f"
  sysctl -q -w vm.unprivileged_userfaultfd=1
}

restore_unprivileged_uffd() {
  local f=$STATE/unprivileged_userfaultfd.before
  if [ -f "$f" ]; then sysctl -q -w vm.unprivileged_userfaultfd="$(cat "$f")" || true; rm -f "$f"; fi
}

do_up() {
  local n=$1 want_b=$2 hosts=() h p t0=$EPOCHREALTIME
  raise_pipe_max
  allow_unprivileged_uffd
  # only where the hosts' CRIU environment uses the preload (gcc builds it)
  if [[ "$CRIU_ENV" == *"$CRIU_COMPAT"* ]]; then bash "$(dirname "$SELF")/criu-compat/build.sh" "$CRIU_COMPAT"; fi
  # ONEHAUL_TESTBED_HOSTROOT=/: the machine's own root (guest.sh's guest, already trixie). Else hostroot.sh's,
  # which returns at once when cached (the usual case); the first time it runs debootstrap (~2 min).
  if [ "${ONEHAUL_TESTBED_HOSTROOT:-}" = / ]; then HOSTROOT=/; else HOSTROOT=$(bash "$HOSTROOT_SH" build); fi
  if healthy "$n" "$want_b"; then log "test bed with $n host(s) is up${want_b:+ (provider B: $want_b)}"; return 0; fi
  if anything_present; then log "tearing down an existing or broken test bed"; do_down; fi

  for p in $(seq "$n"); do hosts+=("$HOST_PREFIX$p"); done
  mkdir -p "$STATE/keys" "$STATE/hosts" "$STATE/ns"
  chmod 700 "$STATE" "$STATE/keys"
  # Written first: host_ip and every later step ask it which provider a host is in.
  for h in $want_b; do echo "$h"; done > "$STATE/provider-b"
  if [ -n "$want_b" ]; then
    gcc -O2 -Wall -o "$STATE/delayline" "$(dirname "$SELF")/delayline.c"
  fi
  : > "$STATE/created-dirs"
  for p in "${HOST_PATHS[@]}" /run/sshd; do mkdir_recorded "$p"; done  # /run/sshd: sshd's privsep dir

  ssh-keygen -q -t ed25519 -N '' -C onehaul-testbed-frontend -f "$STATE/keys/frontend"
  ssh-keygen -q -t ed25519 -N '' -C onehaul-testbed-host-to-host -f "$STATE/keys/host-to-host"

  # A mount namespace can only be bind-mounted onto a private mount.
  mount --bind "$STATE/ns" "$STATE/ns"
  mount --make-private "$STATE/ns"

  # The first `ip netns add` turns /run/netns into a mount of its own; remember if we caused that.
  mountpoint -q /run/netns 2>/dev/null || touch "$STATE/made-run-netns"

  ip link add "$FE_BRIDGE" type bridge
  ip addr add "$FE_IP/24" dev "$FE_BRIDGE"
  ip link set "$FE_BRIDGE" up

  for h in "${hosts[@]}"; do make_host "$h"; done
  vn_up "${hosts[@]}"

  # Every host key under both its name and its IP (one line each: simplest for any parser).
  : > "$STATE/known_hosts"
  for h in "${hosts[@]}"; do
    for p in "$h" "$(host_ip "$h")"; do
      echo "$p $(cut -d' ' -f1,2 "$(hostdir "$h")/ssh_host_ed25519_key.pub")" >> "$STATE/known_hosts"
    done
  done
  for h in "${hosts[@]}"; do cp "$STATE/known_hosts" "$(hostdir "$h")/fs/root/.ssh/known_hosts"; done
  # For people: `ssh -F $TB_SSH_CONFIG h1`.
  cat > "$STATE/ssh_config" <<EOF
Host ${hosts[*]} $NET.*
  User root
  IdentityFile $STATE/keys/frontend
  IdentitiesOnly yes
  UserKnownHostsFile $STATE/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
EOF
  hosts_block_write "${hosts[@]}"

  providers_split "${hosts[@]}"
  for h in $want_b; do
    if [ "$WAN_MBIT" -gt 0 ]; then do_link "$h" tbf "$WAN_MBIT"; fi
  done
  for h in "${hosts[@]}"; do start_sshd "$h"; done
  for h in "${hosts[@]}"; do wait_ssh "$h"; done

  write_env "${hosts[@]}"
  log "test bed with $n host(s) is up${want_b:+ (provider B: $want_b, WAN ${WAN_MBIT} Mbit/s, +${WAN_RTT_MS} ms RTT)} in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s; env: $STATE/env"
}

# ---------------------------------------------------------------------------------------------
# status

do_status() {
  local hosts h pid ct
  if [ ! -f "$STATE/env" ]; then
    echo "no test bed is up (no $STATE/env)"
    [ -n "$(known_hosts_list)" ] && echo "leftovers of a partial one: $(known_hosts_list | tr '\n' ' ')(run: $0 down)"
    return 0
  fi
  hosts=$(sed -n 's/^TB_HOSTS=//p' "$STATE/env")
  echo "state: $STATE   front-end: $FE_BRIDGE $FE_IP"
  for h in $hosts; do
    pid=$(sshd_pid "$h")
    if [ -e "/run/netns/$(netns_of "$h")" ] && mountpoint -q "$(mntns_of "$h")"; then
      ct=$(host_exec "$h" lxc-ls --running -1 2>/dev/null | tr '\n' ' ' || true)
    else
      ct="(host namespaces missing)"
    fi
    printf '%-4s %-12s %-10s sshd: %-16s containers: %s\n' "$h" "$(host_ip "$h")" \
      "$(if in_provider_b "$h"; then echo "B (WAN)"; else echo A; fi)" \
      "$(if [ -n "$pid" ]; then echo "up (pid $pid)"; else echo DOWN; fi)" "${ct:-none}"
  done
}

# ---------------------------------------------------------------------------------------------
# test container image

# /sbin/onehaul-counter, the container's init (lxc.init.cmd). The boot id is made once; the counter
# lives only in memory. So after a restart /tick shows a new boot id and counts from 1, while after
# a CRIU restore it shows the same boot id and goes on counting. No syslogd/getty/tty: CRIU cannot
# dump busybox syslogd's socket, and the container has no ttys.
# shellcheck disable=SC2016  # the container's shell expands these, not this one
COUNTER_SCRIPT='#!/bin/sh
# OneHaul test container init: writes "<bootid> <counter>" to /tick every 0.2 s.
trap "exit 0" TERM INT PWR
read -r bootid < /proc/sys/kernel/random/uuid || bootid="$(date +%s)-$$"
n=0
while :; do
  n=$((n + 1))
  echo "$bootid $n" > /tick.tmp
  mv -f /tick.tmp /tick
  sleep 0.2
done
'

build_rootfs() {
  local d=$1 a
  if [ -d "$d" ] && [ -n "$(ls -A "$d")" ] && [ ! -e "$d/sbin/onehaul-counter" ]; then
    die "$d exists, is not empty and is not a test image"
  fi
  mkdir -p "$d"/{bin,sbin,usr/bin,usr/sbin,etc,dev,proc,sys,tmp,root,run,var/log,mnt}
  chmod 1777 "$d/tmp"; chmod 700 "$d/root"
  cp /bin/busybox "$d/bin/busybox"   # busybox-static: no libraries needed
  # Applet symlinks at their usual paths. Busybox installs them itself in one process when chrooted
  # (root only); else one ln per applet, which is about 1 s slower.
  if ! chroot "$d" /bin/busybox --install -s 2>/dev/null; then
    for a in $(/bin/busybox --list-full); do
      [ "$a" = bin/busybox ] || ln -sfn /bin/busybox "$d/$a"
    done
  fi
  printf '%s' "$COUNTER_SCRIPT" > "$d/sbin/onehaul-counter"
  chmod 755 "$d/sbin/onehaul-counter"
  echo 'root:x:0:0:root:/root:/bin/sh' > "$d/etc/passwd"
  echo 'root:x:0:' > "$d/etc/group"
  printf '127.0.0.1 localhost\n' > "$d/etc/hosts"
  echo onehaul-ct > "$d/etc/hostname"
}

do_image_ext4() {
  local f=$1 mb=${2:-64}
  [[ "$mb" =~ ^[0-9]+$ ]] || die "SIZE_MB must be a number"
  IMG_TMP=$(mktemp -d)
  trap 'rm -rf "$IMG_TMP"' EXIT
  build_rootfs "$IMG_TMP/root"
  rm -f "$f"
  truncate -s "${mb}M" "$f"
  # lazy_itable_init=0: tables written now, as on a file system in use, not zeroed in the background
  # after every mount (which writes ~90 MiB into a 1 GiB image while it is being migrated)
  mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 -L onehaul-ct -d "$IMG_TMP/root" "$f"
}

# ---------------------------------------------------------------------------------------------
# link shaping (WAN-like bandwidth between hosts)

# This kernel has no netem (no delay or loss), but tbf works. A host's link is one veth pair:
# eth0 inside the host's netns (egress = what the host sends) and ${VETH_PREFIX}hN in the root
# namespace (egress = what the host receives, from the bridge). Shaping both ends limits the host
# both ways, whoever talks to it (other hosts and the front-end alike). `replace` makes it idempotent.
LINK_LATENCY=400ms

link_ends() { # HOST: dies unless both ends of HOST's link exist
  local h=$1
  [ -e "/run/netns/$(netns_of "$h")" ] || die "no such host: $h"
  ip link show "${VETH_PREFIX}$h" >/dev/null 2>&1 || die "$h has no link ${VETH_PREFIX}$h"
}

do_link() {
  local h=$1 what=$2 rate=${3:-} burst_kb netns
  link_ends "$h"
  netns="/run/netns/$(netns_of "$h")"
  case "$what" in
    tbf)
      [[ "$rate" =~ ^[0-9]+$ ]] && [ "$rate" -ge 1 ] && [ "$rate" -le 100000 ] || die "RATE_MBIT must be 1..100000"
      # 64 KiB of burst up to 100 Mbit/s (what the shared notes measured); beyond that tbf needs
      # at least rate/HZ bytes of bucket, so it grows with the rate.
      burst_kb=$(( rate <= 100 ? 64 : rate * 64 / 100 ))
      tc qdisc replace dev "${VETH_PREFIX}$h" root tbf rate "${rate}mbit" burst "${burst_kb}kb" latency "$LINK_LATENCY"
      nsenter --net="$netns" tc qdisc replace dev eth0 root tbf rate "${rate}mbit" burst "${burst_kb}kb" latency "$LINK_LATENCY"
      log "$h: link shaped to ${rate} Mbit/s both ways (tbf burst ${burst_kb}kb latency $LINK_LATENCY)" ;;
    clear)
      # Deleting the root qdisc gives the device back its default; nothing to delete is fine.
      if tc qdisc show dev "${VETH_PREFIX}$h" root | grep -q '^qdisc tbf '; then tc qdisc del dev "${VETH_PREFIX}$h" root; fi
      if nsenter --net="$netns" tc qdisc show dev eth0 root | grep -q '^qdisc tbf '; then
        nsenter --net="$netns" tc qdisc del dev eth0 root
      fi
      log "$h: link not shaped" ;;
    show)
      echo "$h receives (${VETH_PREFIX}$h egress): $(tc qdisc show dev "${VETH_PREFIX}$h" root | head -n 1)"
      echo "$h sends (eth0 egress in $(netns_of "$h")): $(nsenter --net="$netns" tc qdisc show dev eth0 root | head -n 1)" ;;
    *) usage ;;
  esac
}

# ---------------------------------------------------------------------------------------------
# a host dying and coming back (for fault specs)

# down: first the network (a dead machine answers nothing: no RST, no FIN, so peers notice only by their
# own timeouts), then every process of the host at once with SIGKILL: its containers (their inits, which
# take their pid namespaces with them, found through LXC before the monitors go), LXC monitors, CRIU,
# action scripts, sshd and its sessions. Its files stay as a disk would keep them: the datastores,
# /var/lib/lxc; what was mounted inside the host stays mounted too (a real reboot drops it), so a cleanup
# after the host is back must release mounts as it would on a host that was only cut off.
do_host_down() {
  local h=$1 pids=() kids=() inits=() c p
  link_ends "$h"
  ip link set "${VETH_PREFIX}$h" down
  host_net "$h" "ip link set eth0 down"
  for c in $(timeout 10 "$SELF" exec "$h" -- lxc-ls --running -1 2>/dev/null || true); do
    p=$(timeout 5 "$SELF" exec "$h" -- lxc-info -n "$c" -p -H 2>/dev/null || true)
    [[ "$p" =~ ^[0-9]+$ ]] && inits+=("$p")
  done
  for _ in 1 2 3 4 5; do
    mapfile -t pids < <(host_pids "$h")
    [ ${#pids[@]} -gt 0 ] || [ ${#inits[@]} -gt 0 ] || break
    mapfile -t kids < <(for p in "${pids[@]}"; do cat "/proc/$p/task/$p/children" 2>/dev/null || true; done | tr ' ' '\n' | grep . || true)
    kill -KILL "${inits[@]}" "${kids[@]}" "${pids[@]}" 2>/dev/null || true
    inits=()
    sleep 0.2
  done
  log "$h: down (link down, ${#pids[@]} process(es) killed; its files and mounts kept)"
}

# up: the link and sshd back, as after a reboot; nothing else starts (no container runs). Idempotent.
do_host_up() {
  local h=$1 route
  link_ends "$h"
  if in_provider_b "$h"; then route="default via $WAN_FE_IP dev eth0"; else route="default via $FE_IP"; fi
  ip link set "${VETH_PREFIX}$h" up
  host_net "$h" "ip link set eth0 up && ip route replace $route"
  [ -n "$(sshd_pid "$h")" ] || start_sshd "$h"
  wait_ssh "$h"
  log "$h: up (link and sshd)"
}

# ---------------------------------------------------------------------------------------------

usage() { sed -n '11,24p' "$SELF" | sed 's/^# \{0,1\}//' >&2; exit 2; }

need_root() { [ "$(id -u)" = 0 ] || die "must run as root"; }

# up/down change global state (network names, /etc/hosts): serialise them.
take_lock() { exec 9>"$LOCK"; flock 9; }

cmd=${1:-}; [ $# -gt 0 ] && shift
case "$cmd" in
  up)
    need_root
    n=2; want_b=""
    if [ $# -gt 0 ] && [ "$1" != --provider-b ]; then n=$1; shift; fi
    [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le $MAX_HOSTS ] || die "N must be 1..$MAX_HOSTS"
    if [ $# -gt 0 ]; then
      [ $# -eq 2 ] && [ "$1" = --provider-b ] || usage
      for h in $2; do
        [[ "$h" =~ ^${HOST_PREFIX}[0-9]+$ ]] && [ "${h#"$HOST_PREFIX"}" -ge 1 ] && [ "${h#"$HOST_PREFIX"}" -le "$n" ] \
          || die "--provider-b: $h is not one of ${HOST_PREFIX}1..$HOST_PREFIX$n"
      done
      # shellcheck disable=SC2086  # split into names on purpose
      want_b=$(printf '%s\n' $2 | sort -u -V | tr '\n' ' ')
      [ "$(echo "$want_b" | wc -w)" -lt "$n" ] || die "--provider-b: provider A needs at least one host"
    fi
    take_lock
    # Not `if ! do_up`: set -e is off inside a function called as a condition.
    # shellcheck disable=SC2154  # rc is assigned inside the trap
    trap 'rc=$?; [ $rc -eq 0 ] || log "up failed; the next up (or down) cleans up"' EXIT
    do_up "$n" "$want_b"
    ;;
  down)
    # only here, not in do_down: `up` tears a broken bed down after it allowed userfaultfd
    need_root; take_lock; do_down; restore_unprivileged_uffd; log "down" ;;
  status)
    do_status ;;
  exec)
    # Like a login on the host, but without ssh: the working directory becomes / (nsenter), the
    # environment is the caller's. The exit status is CMD's.
    [ $# -ge 3 ] && [ "$2" = -- ] || usage
    h=$1; shift 2
    [ -e "/run/netns/$(netns_of "$h")" ] && mountpoint -q "$(mntns_of "$h")" || die "no such host: $h"
    # exec, and nsenter execs too: a signal to this script's pid (Java's destroy()) reaches CMD.
    exec nsenter --net="/run/netns/$(netns_of "$h")" --mount="$(mntns_of "$h")" -- "$@" ;;
  image-dir)
    [ $# -eq 1 ] || usage
    build_rootfs "$1" ;;
  image-ext4)
    [ $# -ge 1 ] && [ $# -le 2 ] || usage
    do_image_ext4 "$@" ;;
  link)
    need_root
    case "${2:-}:$#" in tbf:3|clear:2|show:2) ;; *) usage ;; esac
    do_link "$@" ;;
  providers)
    need_root
    [ $# -eq 1 ] && [ -f "$STATE/env" ] || usage
    # shellcheck disable=SC2046
    case "$1" in
      split) providers_split $(sed -n 's/^TB_HOSTS=//p' "$STATE/env"); log "providers isolated" ;;
      join) providers_join $(sed -n 's/^TB_HOSTS=//p' "$STATE/env"); log "providers joined (direct path through the front-end)" ;;
      *) usage ;;
    esac ;;
  host)
    need_root
    [ $# -eq 2 ] && [ -f "$STATE/env" ] || usage
    [[ " $(sed -n 's/^TB_HOSTS=//p' "$STATE/env") " == *" $1 "* ]] || die "no such host: $1"
    case "$2" in
      down) do_host_down "$1" ;;
      up) do_host_up "$1" ;;
      *) usage ;;
    esac ;;
  _mntns-setup)   # internal, see make_host
    mntns_setup "$1" ;;
  *) usage ;;
esac
