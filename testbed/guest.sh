#!/usr/bin/env bash
# guest.sh: one QEMU guest (TCG emulation, no KVM needed) booting Debian 13's stock cloud kernel, for what
# the front-end's own kernel cannot do: it is built without soft-dirty tracking, so `criu pre-dump`
# (iterative pre-copy) cannot run on it; stock distribution kernels have it. The guest's root is the test
# bed's host root (hostroot.sh, trixie) plus that kernel; inside it testbed.sh makes hosts g1..gN that the
# front-end reaches over a bridge of its own, like the front-end's own h1..hN.
#
#   guest.sh up                 boot the guest (a clean disk every boot) and make its hosts; a healthy
#                               guest of the same shape is kept, even on an older image (down first)
#   guest.sh down               stop it and remove everything `up` made; safe when nothing is there
#   guest.sh status             the guest, its hosts, what it measured at boot
#   guest.sh ssh [CMD...]       root shell (or CMD) in the guest, host key checked
#   guest.sh exec HOST -- CMD...  CMD on a guest host (testbed.sh exec inside the guest, over ssh); also
#                               link, host, image-dir, image-ext4 as testbed.sh has them (guest paths)
#   guest.sh build              only build (or find) the cached guest image; prints its folder
#
# Environment: ONEHAUL_GUEST_HOSTS (default 2; 0 = the guest alone), ONEHAUL_GUEST_MEM_MB (3072),
# ONEHAUL_GUEST_SMP (2, at most 2: the machine has 2 cores), ONEHAUL_GUEST_DIR (/var/lib/onehaul-guest),
# ONEHAUL_IMAGE_CACHE (/var/cache/onehaul-testbed, shared with hostroot.sh).
# After `up`, $STATE/env (KEY=value, as testbed.sh's) and $STATE/env.sh (quoted, for shells).
set -euo pipefail

SELF=$(readlink -f "$0")
HERE=$(dirname "$SELF")
STATE=${ONEHAUL_GUEST_DIR:-/var/lib/onehaul-guest}
CACHE_DIR=${ONEHAUL_IMAGE_CACHE:-/var/cache/onehaul-testbed}
N_HOSTS=${ONEHAUL_GUEST_HOSTS:-2}
MEM_MB=${ONEHAUL_GUEST_MEM_MB:-3072}
SMP=${ONEHAUL_GUEST_SMP:-2}
[[ "$N_HOSTS" =~ ^[0-9]+$ ]] && [ "$N_HOSTS" -le 20 ] || { echo "guest: ONEHAUL_GUEST_HOSTS must be 0..20" >&2; exit 2; }
[[ "$MEM_MB" =~ ^[0-9]+$ ]] && [ "$MEM_MB" -ge 512 ] || { echo "guest: ONEHAUL_GUEST_MEM_MB must be >= 512" >&2; exit 2; }
[[ "$SMP" =~ ^[12]$ ]] || { echo "guest: ONEHAUL_GUEST_SMP must be 1 or 2" >&2; exit 2; }

# Bump when the image steps below change: a new key, so a new image (the older one is pruned after).
IMAGE_VERSION=1
# What the guest needs on top of the host root: the stock kernel (its initramfs made by
# initramfs-tools inside the copy), busybox (the guest's init, and the test containers' rootfs), and
# perl: the driver's host helpers (transfer/ranges-*.pl) use Digest::MD5 and Time::HiRes, which perl-base
# (all the host root has) lacks ("BEGIN failed--compilation aborted" on the first disk copy).
# apparmor: its parser, to load LXC's profiles (the guest enforces AppArmor, as a stock Debian host does).
GUEST_PACKAGES=(linux-image-cloud-amd64 initramfs-tools busybox-static perl apparmor)
IMAGE_SIZE=8G   # sparse; the per-boot qcow2 overlay holds what the guest writes

# Names and addresses: all distinct from the front-end's test bed (ohtb*, 10.231.*, 10.232.*).
BRIDGE=ohgb0
TAP=ohgbt0
FE_IP=10.233.0.1
GUEST_IP=10.233.0.2
GUEST_MAC=52:54:00:0a:e9:02
GUEST_NAME=onehaul-guest
HOSTS_NET=10.233.1              # the guest's own test bed: its bridge is .1, host gN is .(10+N)
HOST_PREFIX=g
GUEST_TB_DIR=/var/lib/onehaul-testbed    # inside the guest (its own file system)
GUEST_REPO=/root/onehaul                 # where the seed puts the repo's testbed/ inside the guest
GUEST_TB=/usr/local/sbin/onehaul-testbed  # in the guest: testbed.sh with the guest bed's settings (seed)
HOSTS_BEGIN='# BEGIN onehaul-guest'
HOSTS_END='# END onehaul-guest'
LOCK=/run/onehaul-guest.lock
# testbed.sh's lock: taken while editing /etc/hosts, which its up/down edit too.
TESTBED_LOCK=/run/onehaul-testbed.lock

log() { echo "guest: $*" >&2; }
die() { log "error: $*"; exit 1; }
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# ssh_opts [KEY KNOWN_HOSTS]: the guest's by default; the guest's hosts take another key (theirs).
ssh_opts() {
  echo -o BatchMode=yes -o ConnectTimeout=5 -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes \
       -o UserKnownHostsFile="${2:-$STATE/known_hosts}" -o GlobalKnownHostsFile=/dev/null \
       -o ServerAliveInterval=10 -o ServerAliveCountMax=6 -o LogLevel=ERROR -i "${1:-$STATE/keys/frontend}"
}
# shellcheck disable=SC2046
gssh() { ssh $(ssh_opts) "root@$GUEST_IP" "$@"; }

qemu_pid() {
  local pid
  [ -s "$STATE/qemu.pid" ] || return 0
  pid=$(cat "$STATE/qemu.pid")
  # the pid file outlives a crashed qemu: check that the pid is still that qemu
  if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "-name $GUEST_NAME "; then echo "$pid"; fi
}

# ---------------------------------------------------------------------------------------------
# image: hostroot + stock kernel, as a sparse raw ext4 file plus the kernel and initrd next to it

image_dir() {
  local hostroot=$1 key
  key=$(printf '%s\n' "$IMAGE_VERSION" "$hostroot" "${GUEST_PACKAGES[@]}" "$IMAGE_SIZE" | sha256sum | cut -c1-16)
  echo "$CACHE_DIR/guest-trixie-$key"
}

# The image's own boot script, baked in; everything per boot comes from the seed (SEED_RC), so
# changing guest.sh rarely needs a new image.
BOOT_SCRIPT='#!/bin/sh
# onehaul guest: busybox init runs this first. The per-boot seed (second disk, a tar archive written
# by guest.sh up) holds the rest.
mkdir -p /run/onehaul-guest
tar -xf /dev/vdb -C /run/onehaul-guest
exec /bin/sh /run/onehaul-guest/rc.sh
'
INITTAB='# onehaul guest (guest.sh): busybox init; sshd restarted if it dies
::sysinit:/bin/sh /etc/onehaul-guest/boot
::respawn:/usr/sbin/sshd -D -e
::ctrlaltdel:/bin/busybox poweroff -f
::shutdown:/bin/sync
'

# Older guest images (~0.6 GiB each) go once a new one is built, unless another build holds one's lock.
# A guest still running on one keeps its open backing file until it stops.
prune_images() {
  local keep=$1 d
  for d in "$CACHE_DIR"/guest-trixie-*/; do
    d=${d%/}
    [ "$d" != "$keep" ] && [ -f "$d/done" ] || continue
    ( flock -n 7 || exit 0; rm -rf --one-file-system "$d"; rm -f "$d.lock"; log "removed the older image $d" ) 7>"$d.lock"
  done
}

build_image() {
  local hostroot img work t0 kver
  hostroot=$(bash "$HERE/hostroot.sh" build)   # waits if another process is building it
  img=$(image_dir "$hostroot")
  mkdir -p "$CACHE_DIR"
  exec 8>"$img.lock"
  flock 8
  if [ -f "$img/done" ]; then exec 8>&-; echo "$img"; return; fi
  t0=$(now)
  command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 is missing (e2fsprogs)"
  work=$(mktemp -d "$CACHE_DIR/guest.XXXXXX")
  # shellcheck disable=SC2064  # expand now: work is local
  trap "rm -rf --one-file-system '$work'" EXIT
  log "building the guest image from $hostroot (+ ${GUEST_PACKAGES[*]})"
  # A copy: the host root is shared with the front-end's test bed and must not change.
  cp -a "$hostroot" "$work/root"
  local r=$work/root
  # Only the listed modules in the initramfs (MODULES=most makes it ~5x larger, slow to unpack under TCG);
  # without udev in the initramfs nothing would load the disk driver, so list it.
  mkdir -p "$r/etc/initramfs-tools/conf.d" "$r/usr/share/initramfs-tools/modules.d"
  echo 'MODULES=list' > "$r/etc/initramfs-tools/conf.d/onehaul-guest"
  printf '%s\n' virtio_pci virtio_blk virtio_net ext4 > "$r/usr/share/initramfs-tools/modules.d/onehaul-guest"
  # No service starts while packages install (there is no init in the chroot anyway).
  printf '#!/bin/sh\nexit 101\n' > "$r/usr/sbin/policy-rc.d"; chmod 755 "$r/usr/sbin/policy-rc.d"
  cp /etc/resolv.conf "$r/etc/resolv.conf"
  # A mount namespace of its own: /proc, /sys, /dev of the chroot vanish with it, even on failure.
  if ! unshare --mount --propagation private -- sh -c '
        set -e
        r=$1; shift
        mount -t proc proc "$r/proc"
        mount -t sysfs sysfs "$r/sys"
        mount --rbind /dev "$r/dev"
        chroot "$r" apt-get update -q
        DEBIAN_FRONTEND=noninteractive chroot "$r" apt-get install -y -q --no-install-recommends "$@"
        chroot "$r" apt-get clean' sh "$r" "${GUEST_PACKAGES[@]}" >"$work/apt.log" 2>&1; then
    tail -n 30 "$work/apt.log" >&2
    die "installing ${GUEST_PACKAGES[*]} in the copy failed (log above)"
  fi
  rm -f "$r/usr/sbin/policy-rc.d" "$r/etc/resolv.conf"
  kver=$(basename "$(ls -d "$r"/lib/modules/*/ | head -n 1)")
  [ -f "$r/boot/vmlinuz-$kver" ] && [ -f "$r/boot/initrd.img-$kver" ] || die "no kernel/initrd for $kver in the copy"
  cp "$r/boot/vmlinuz-$kver" "$work/vmlinuz"
  cp "$r/boot/initrd.img-$kver" "$work/initrd.img"
  # busybox as init (/sbin/init; the kernel's default), with our inittab.
  ln -sfn /bin/busybox "$r/sbin/init"
  mkdir -p "$r/etc/onehaul-guest"
  printf '%s' "$BOOT_SCRIPT" > "$r/etc/onehaul-guest/boot"
  printf '%s' "$INITTAB" > "$r/etc/inittab"
  echo "$GUEST_NAME" > "$r/etc/hostname"
  # no host keys in the image: every boot gets fresh ones from the seed
  rm -f "$r/etc/ssh/ssh_host_"*
  # The raw ext4 file, made from the folder without mounting anything. lazy_itable_init=0: the tables are
  # written now (sparse), not by the guest kernel in the background into every boot's overlay.
  truncate -s "$IMAGE_SIZE" "$work/rootfs.raw"
  mkfs.ext4 -q -F -L onehaul-guest -E lazy_itable_init=0,lazy_journal_init=0 -d "$r" "$work/rootfs.raw"
  echo "$kver" > "$work/kernel-version"
  chroot "$r" dpkg-query -W -f='${Package} ${Version}\n' criu lxc libc6 "linux-image-$kver" busybox-static > "$work/versions"
  rm -rf --one-file-system "$r"
  awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", b - a }' > "$work/build-seconds"
  touch "$work/done"
  mv "$work" "$img"
  trap - EXIT
  log "image built in $(cat "$img/build-seconds") s: $img (kernel $kver, $(du -sh --apparent-size "$img/rootfs.raw" | cut -f1) apparent, $(du -sh "$img/rootfs.raw" | cut -f1) used)"
  prune_images "$img"
  exec 8>&-
  echo "$img"
}

# ---------------------------------------------------------------------------------------------
# seed: a tar archive given to the guest as its second disk; its rc.sh sets the guest up every boot

# Runs inside the guest as busybox init's sysinit. Values come from guest.conf next to it.
SEED_RC='#!/bin/sh
# onehaul guest boot (from the seed written by guest.sh up). Logs to the serial console.
seed=/run/onehaul-guest
. "$seed/guest.conf"
echo "onehaul-guest: rc start (uptime $(cut -d" " -f1 /proc/uptime) s)"
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mountpoint -q /run || mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run
mkdir -p /dev/pts /dev/shm
mountpoint -q /dev/pts || mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mountpoint -q /dev/shm || mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
# LXC needs the cgroup tree (v2 only, as on current distributions)
mountpoint -q /sys/fs/cgroup || mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
mount -o remount,rw /
hostname "$GUEST_NAME"
# AppArmor: LXC confines a container with lxc-container-default-cgns unless its config names another;
# on Debian apparmor.service loads it at boot, here this does.
mountpoint -q /sys/kernel/security || mount -t securityfs securityfs /sys/kernel/security
apparmor_parser -r /etc/apparmor.d/lxc-containers 2>&1 || echo "onehaul-guest: LXC AppArmor profiles not loaded"
# No udev: load what nothing would load on demand: the NIC driver; loop and tun, whose device nodes exist
# only once loaded. The rest (xfs, bridge, veth, vxlan) load on first use (each takes seconds under TCG).
modprobe -a virtio_net loop tun 2>&1 || true
ip link set lo up
ip addr add "$GUEST_IP/24" dev eth0
ip link set eth0 mtu 1500 up
ip route add default via "$FE_IP"
# The guest routes between the front-end and its own test bed (hosts in $HOSTS_NET.0/24).
sysctl -q -w net.ipv4.ip_forward=1
# Lazy pages (post-copy) need bigger pipes than the default (testbed.sh raises it too).
sysctl -q -w fs.pipe-max-size=4194304
# ...and, for an unprivileged container, userfaultfd opened inside its user namespace (a throwaway guest)
sysctl -q -w vm.unprivileged_userfaultfd=1
printf "127.0.0.1 localhost\n%s %s\n%s onehaul-frontend\n" "$GUEST_IP" "$GUEST_NAME" "$FE_IP" > /etc/hosts
install -d -m 700 /root/.ssh
install -m 600 "$seed/authorized_keys" /root/.ssh/authorized_keys
install -m 600 "$seed/ssh_host_ed25519_key" /etc/ssh/ssh_host_ed25519_key
install -m 644 "$seed/ssh_host_ed25519_key.pub" /etc/ssh/ssh_host_ed25519_key.pub
mkdir -p /etc/ssh/sshd_config.d /run/sshd
cat > /etc/ssh/sshd_config.d/onehaul-guest.conf <<EOF
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
PrintMotd no
MaxSessions 64
MaxStartups 64:30:128
EOF
# the repo'"'"'s testbed/ (testbed.sh and what it needs), for the guest'"'"'s own hosts
mkdir -p "$GUEST_REPO" "$(dirname "$GUEST_TB")"
cp -a "$seed/testbed" "$GUEST_REPO/"
install -m 755 "$seed/onehaul-testbed" "$GUEST_TB"
# an empty .bashrc: every ssh command reads it
: > /root/.bashrc
echo "onehaul-guest: rc done (uptime $(cut -d" " -f1 /proc/uptime) s)"
'

write_seed() {
  local s=$STATE/seed
  rm -rf "$s"; mkdir -p "$s/testbed"
  printf '%s' "$SEED_RC" > "$s/rc.sh"
  {
    echo "GUEST_IP=$GUEST_IP"; echo "FE_IP=$FE_IP"; echo "GUEST_NAME=$GUEST_NAME"; echo "GUEST_REPO=$GUEST_REPO"
    echo "GUEST_TB=$GUEST_TB"
  } > "$s/guest.conf"
  # Every testbed.sh command in the guest (status, exec, down...) must see the settings `up` saw.
  cat > "$s/onehaul-testbed" <<EOF
#!/bin/sh
# testbed.sh with the guest bed's settings (written by guest.sh): hosts ${HOST_PREFIX}N on $HOSTS_NET.0/24;
# the hosts' root is the guest's own (already trixie); CRIU needs no extra environment here.
export ONEHAUL_TESTBED_NET=$HOSTS_NET ONEHAUL_TESTBED_HOST_PREFIX=$HOST_PREFIX ONEHAUL_TESTBED_HOSTROOT=/
export ONEHAUL_TESTBED_CRIU_ENV='$(guest_criu_env)' ONEHAUL_TESTBED_DIR=$GUEST_TB_DIR
exec bash $GUEST_REPO/testbed/testbed.sh "\$@"
EOF
  cp "$STATE/keys/frontend.pub" "$s/authorized_keys"
  cp "$STATE/keys/guest_host_ed25519_key" "$s/ssh_host_ed25519_key"
  cp "$STATE/keys/guest_host_ed25519_key.pub" "$s/ssh_host_ed25519_key.pub"
  # what testbed.sh uses (not images/ or the docs)
  cp -a "$HERE/testbed.sh" "$HERE/delayline.c" "$HERE/criu-compat" "$HERE/precopy-by-hand.sh" "$s/testbed/"
  tar -C "$s" -cf "$STATE/seed.tar" .
  rm -rf "$s"
}

# ---------------------------------------------------------------------------------------------
# /etc/hosts block (as testbed.sh does its own: edited in place, a missing final newline given back)

hosts_block_strip() {
  local tmp
  tmp=$(mktemp)
  awk -v b="$HOSTS_BEGIN" -v e="$HOSTS_END" '$0 == b { skip = 1; next } $0 == e { skip = 0; next } !skip' /etc/hosts > "$tmp"
  if [ -f "$STATE/hosts-no-eol" ] && [ -s "$tmp" ]; then truncate -s -1 "$tmp"; fi
  cat "$tmp" > /etc/hosts
  rm -f "$tmp"
}

hosts_block_write() {
  hosts_block_strip
  rm -f "$STATE/hosts-no-eol"
  if [ -s /etc/hosts ] && [ -n "$(tail -c1 /etc/hosts)" ]; then echo >> /etc/hosts; touch "$STATE/hosts-no-eol"; fi
  {
    echo "$HOSTS_BEGIN"
    echo "$GUEST_IP $GUEST_NAME"
    for h in "$@"; do echo "$(guest_host_ip "$h") $h"; done
    echo "$HOSTS_END"
  } >> /etc/hosts
}

# /etc/hosts is testbed.sh's too: hold its lock while editing (it holds it for its whole up, seconds).
with_testbed_lock() {
  ( flock -w 120 7 || die "testbed.sh's lock $TESTBED_LOCK is held for over 120 s"; "$@" ) 7>"$TESTBED_LOCK"
}

guest_host_ip() { echo "$HOSTS_NET.$((10 + ${1#"$HOST_PREFIX"}))"; }

# ---------------------------------------------------------------------------------------------
# down

do_down() {
  local pid
  pid=$(qemu_pid)
  if [ -n "$pid" ]; then
    # The disk is thrown away, so nothing inside needs a clean shutdown.
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    if [ -d "/proc/$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
    log "guest stopped (qemu pid $pid)"
  fi
  ip link del "$TAP" 2>/dev/null || true
  ip link del "$BRIDGE" 2>/dev/null || true     # its route to the guest's hosts goes with it
  if grep -qx "$HOSTS_BEGIN" /etc/hosts; then with_testbed_lock hosts_block_strip; fi
  if [ -d "$STATE" ]; then rm -rf --one-file-system "$STATE"; fi
}

# ---------------------------------------------------------------------------------------------
# up

# The shape `up` was asked for; a running guest of another shape is rebuilt.
# The image is not part of it: a healthy guest is kept even when another worktree (another hostroot.sh,
# so another image key) runs `up`. The guest is one per machine and shared; rebuilding it under a running
# test kills that test. `down` then `up` boots the current image.
settings() { echo "hosts=$N_HOSTS mem=$MEM_MB smp=$SMP"; }

running_image() { cat "$STATE/image" 2>/dev/null || sed -n 's/.* image=//p' "$STATE/settings" 2>/dev/null || true; }

healthy() {
  local h
  [ -f "$STATE/env" ] && [ -n "$(qemu_pid)" ] || return 1
  # (" image=..." is how guest.sh recorded the image in settings before it was kept apart)
  [ "$(sed 's/ image=.*//' "$STATE/settings" 2>/dev/null)" = "$(settings)" ] || return 1
  ip link show "$TAP" >/dev/null 2>&1 && ip link show "$BRIDGE" >/dev/null 2>&1 || return 1
  grep -qx "$HOSTS_BEGIN" /etc/hosts || return 1
  gssh true </dev/null >/dev/null 2>&1 || return 1
  for h in $(sed -n 's/^TB_HOSTS=//p' "$STATE/env"); do
    # shellcheck disable=SC2046
    ssh $(ssh_opts "$STATE/keys/hosts" "$STATE/hosts_known_hosts") "root@$h" true </dev/null >/dev/null 2>&1 || return 1
  done
}

anything_present() {
  [ -e "$STATE" ] || ip link show "$TAP" >/dev/null 2>&1 || ip link show "$BRIDGE" >/dev/null 2>&1 \
    || grep -qx "$HOSTS_BEGIN" /etc/hosts
}

start_qemu() {
  local img=$1
  command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing (bash testbed/install-deps.sh)"
  qemu-img create -q -f qcow2 -F raw -b "$img/rootfs.raw" "$STATE/disk.qcow2"
  : > "$STATE/console.log"
  # TCG (no /dev/kvm here) on one host thread for all vCPUs (thread=single). With one thread per vCPU
  # (thread=multi) the guest kernel panicked under load ("Oops: int3" in __schedule): it patches its own
  # code (static keys, int3 first) while the other vCPU runs a stale translation of it. -cpu max: the most
  # TCG can emulate (xsave, etc.).
  # -no-reboot: a guest that panics or reboots ends qemu instead of looping. fds 8/9 (locks) closed.
  # AppArmor stays on, as on a stock Debian host: LXC confines the containers with its default profile
  # (rc.sh loads it). The front-end's test bed hosts have none: the driver runs both ways.
  qemu-system-x86_64 -name "$GUEST_NAME" -machine pc -accel tcg,thread=single -cpu max -smp "$SMP" -m "$MEM_MB" \
    -nodefaults -no-user-config -display none -no-reboot \
    -kernel "$img/vmlinuz" -initrd "$img/initrd.img" \
    -append "console=ttyS0 root=/dev/vda rootfstype=ext4 rw net.ifnames=0 panic=-1" \
    -drive "file=$STATE/disk.qcow2,if=virtio,format=qcow2,cache=unsafe,discard=unmap" \
    -drive "file=$STATE/seed.tar,if=virtio,format=raw,readonly=on" \
    -netdev "tap,id=n0,ifname=$TAP,script=no,downscript=no" -device "virtio-net-pci,netdev=n0,mac=$GUEST_MAC" \
    -device virtio-rng-pci \
    -serial "file:$STATE/console.log" \
    -pidfile "$STATE/qemu.pid" -daemonize 8>&- 9>&-
}

wait_guest_ssh() {
  local t0=$1
  for _ in $(seq 600); do
    if gssh true </dev/null >/dev/null 2>&1; then return 0; fi
    [ -n "$(qemu_pid)" ] || { tail -n 30 "$STATE/console.log" >&2; die "qemu exited while booting (console: $STATE/console.log)"; }
    sleep 0.5
  done
  tail -n 30 "$STATE/console.log" >&2
  die "no ssh to the guest after $(since "$t0") s (console: $STATE/console.log)"
}

# What the guest's kernel and CRIU can do, recorded in $STATE/facts and printed.
measure() {
  gssh 'set -u
    echo "uname_r=$(uname -r)"
    echo "mem_total_kib=$(awk "/MemTotal/ {print \$2}" /proc/meminfo)"
    echo "nproc=$(nproc)"
    echo "criu_version=$(criu --version | awk "/Version/ {print \$2}")"
    for f in mem_dirty_track uffd-noncoop; do
      if criu check --feature "$f" >/dev/null 2>&1; then echo "criu_$f=yes" | tr - _; else echo "criu_$f=no" | tr - _; fi
    done
    # Do hardware breakpoints fire (else criu dump waits forever "for PID to trap" and needs CRIU_FAULT=130)?
    setsid sleep 600 </dev/null >/dev/null 2>&1 & p=$!; disown   # (no "Killed" notice from bash)
    d=$(mktemp -d)
    if timeout 60 criu dump -t "$p" -D "$d" --shell-job >/dev/null 2>&1; then echo criu_breakpoints=yes; else echo criu_breakpoints=no; fi
    kill -9 "$p" 2>/dev/null; rm -rf "$d"' </dev/null > "$STATE/facts"
}

do_up() {
  local img t0 tb tboot h hosts=() p
  [ "$(id -u)" = 0 ] || die "must run as root"
  [ -e /dev/net/tun ] || die "no /dev/net/tun"
  t0=$(now)
  if healthy; then log "guest is up ($N_HOSTS host(s), image $(running_image)); env: $STATE/env"; return 0; fi
  img=$(build_image)
  if anything_present; then log "removing an existing or broken guest"; do_down; fi
  for p in $(seq "$N_HOSTS"); do hosts+=("$HOST_PREFIX$p"); done

  mkdir -p "$STATE/keys"
  chmod 700 "$STATE" "$STATE/keys"
  settings > "$STATE/settings"
  echo "$img" > "$STATE/image"
  ssh-keygen -q -t ed25519 -N '' -C onehaul-guest-frontend -f "$STATE/keys/frontend"
  ssh-keygen -q -t ed25519 -N '' -C "$GUEST_NAME" -f "$STATE/keys/guest_host_ed25519_key"
  # the guest's host key, verified on every login (under its name and address, one line each)
  for p in "$GUEST_NAME" "$GUEST_IP"; do
    echo "$p $(cut -d' ' -f1,2 "$STATE/keys/guest_host_ed25519_key.pub")"
  done > "$STATE/known_hosts"
  write_seed

  ip link add "$BRIDGE" type bridge
  ip addr add "$FE_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  ip tuntap add dev "$TAP" mode tap
  ip link set "$TAP" master "$BRIDGE" up
  ip route add "$HOSTS_NET.0/24" via "$GUEST_IP" dev "$BRIDGE"

  tboot=$(now)
  start_qemu "$img"
  wait_guest_ssh "$tboot"
  echo "boot_to_ssh_s=$(since "$tboot")" > "$STATE/timings"
  measure
  log "guest up: boot to ssh $(sed -n 's/^boot_to_ssh_s=//p' "$STATE/timings") s; $(tr '\n' ' ' < "$STATE/facts")"

  if [ ${#hosts[@]} -gt 0 ]; then
    tb=$(now)
    # stdout too goes to our stderr: `up` prints nothing else on stdout
    gssh "$GUEST_TB up ${#hosts[@]}" </dev/null >&2
    # The guest's hosts take the guest bed's front-end key and are known by its known_hosts.
    gssh "cat $GUEST_TB_DIR/keys/frontend" </dev/null > "$STATE/keys/hosts"
    chmod 600 "$STATE/keys/hosts"
    gssh "cat $GUEST_TB_DIR/known_hosts" </dev/null > "$STATE/hosts_known_hosts"
    echo "testbed_up_s=$(since "$tb")" >> "$STATE/timings"
  fi
  with_testbed_lock hosts_block_write "${hosts[@]}"
  write_env "${hosts[@]}"
  for h in "${hosts[@]}"; do
    # shellcheck disable=SC2046
    ssh $(ssh_opts "$STATE/keys/hosts" "$STATE/hosts_known_hosts") "root@$h" true </dev/null || die "$h does not take the front-end's ssh login"
  done
  echo "up_total_s=$(since "$t0")" >> "$STATE/timings"
  log "guest with ${#hosts[@]} host(s) up in $(since "$t0") s ($(tr '\n' ' ' < "$STATE/timings")); env: $STATE/env"
}

# The CRIU environment the guest's hosts need (TB_CRIU_ENV): nothing so far. TCG emulates the debug registers,
# so CRIU's hardware breakpoints fire (measured at every boot: criu_breakpoints in facts; else CRIU_FAULT=130),
# and Linux 6.12 < 6.16 with root holding every capability needs no compat preload.
guest_criu_env() { if grep -qx criu_breakpoints=no "$STATE/facts" 2>/dev/null; then echo CRIU_FAULT=130; fi; }

write_env() {
  local hosts=("$@") h tmp=$STATE/env.tmp
  {
    echo "TB_STATE=$STATE"
    echo "TB_HOSTS=${hosts[*]}"
    for h in "${hosts[@]}"; do echo "TB_${h}_IP=$(guest_host_ip "$h")"; done
    # what the hosts see as the front-end: the guest routes between them and this bridge
    echo "TB_FRONTEND_IP=$FE_IP"
    echo "TB_FRONTEND_KEY=$STATE/keys/hosts"
    echo "TB_KNOWN_HOSTS=$STATE/hosts_known_hosts"
    echo "TB_SSH_USER=root"
    echo "TB_NIC_BRIDGE=onebr0"
    echo "TB_CRIU_ENV=$(guest_criu_env)"
    echo "TB_SCRIPT=$SELF"
    echo "TB_PROVIDER_B="
    echo "TB_GUEST_IP=$GUEST_IP"
    echo "TB_GUEST_KEY=$STATE/keys/frontend"
    echo "TB_GUEST_KNOWN_HOSTS=$STATE/known_hosts"
    echo "TB_GUEST_KERNEL=$(sed -n 's/^uname_r=//p' "$STATE/facts")"
    echo "TB_GUEST_SOFT_DIRTY=$(sed -n 's/^criu_mem_dirty_track=//p' "$STATE/facts")"
    echo "TB_GUEST_TESTBED_DIR=$GUEST_TB_DIR"
    echo "TB_GUEST_TESTBED=$GUEST_TB"
  } > "$tmp"
  sed "s/^\([A-Za-z0-9_]*\)=\(.*\)$/\1='\2'/" "$tmp" > "$STATE/env.sh"
  mv "$tmp" "$STATE/env"
}

do_status() {
  local pid
  pid=$(qemu_pid)
  if [ -z "$pid" ]; then echo "no guest is running"; [ -e "$STATE" ] && echo "leftovers in $STATE (run: $0 down)"; return 0; fi
  echo "guest $GUEST_NAME $GUEST_IP (qemu pid $pid, $(ps -o rss= -p "$pid" | awk '{printf "%.0f MiB RSS", $1 / 1024}'), bridge $BRIDGE $FE_IP)"
  [ -f "$STATE/facts" ] && tr '\n' ' ' < "$STATE/facts" && echo
  [ -f "$STATE/timings" ] && tr '\n' ' ' < "$STATE/timings" && echo
  echo "image: $(running_image)"
  if [ -f "$STATE/env" ] && [ -n "$(sed -n 's/^TB_HOSTS=//p' "$STATE/env")" ]; then
    gssh "$GUEST_TB status" </dev/null || true
  fi
}

usage() { sed -n '8,16p' "$SELF" | sed 's/^# \{0,1\}//' >&2; exit 2; }

take_lock() { exec 9>"$LOCK"; flock 9; }

cmd=${1:-}; [ $# -gt 0 ] && shift
case "$cmd" in
  up) [ $# = 0 ] || usage; take_lock
      # shellcheck disable=SC2154  # rc is assigned inside the trap
      trap 'rc=$?; [ $rc -eq 0 ] || log "up failed; the next up (or down) cleans up"' EXIT
      do_up ;;
  down) [ $# = 0 ] || usage; [ "$(id -u)" = 0 ] || die "must run as root"; take_lock; do_down; log "down" ;;
  status) [ $# = 0 ] || usage; do_status ;;
  build) [ $# = 0 ] || usage; [ "$(id -u)" = 0 ] || die "must run as root"; build_image ;;
  ssh) [ -n "$(qemu_pid)" ] || die "no guest is running (guest.sh up)"
       if [ $# -eq 0 ]; then
         # shellcheck disable=SC2046
         exec ssh $(ssh_opts) -t "root@$GUEST_IP"
       fi
       gssh "$@" ;;
  exec|link|host|image-dir|image-ext4)
    # testbed.sh's own commands, run by the guest's test bed (paths are the guest's)
    [ "$cmd" != exec ] || { [ $# -ge 3 ] && [ "$2" = -- ]; } || usage
    [ -n "$(qemu_pid)" ] || die "no guest is running (guest.sh up)"
    # Every word quoted for the guest's shell, so the command arrives as the same argv; stdin passes through.
    # shellcheck disable=SC2046
    exec ssh $(ssh_opts) "root@$GUEST_IP" "$(printf '%q ' "$GUEST_TB" "$cmd" "$@")" ;;
  *) usage ;;
esac
