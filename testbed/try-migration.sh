#!/usr/bin/env bash
# try-migration.sh: a stop-and-copy migration of the test container between two test bed hosts,
# done by hand with the LXC/CRIU commands the Java driver uses. It proves the test bed works and
# prints the phase timings (see README.md). Needs `testbed.sh up` first.
#
#   try-migration.sh [dir|ext4] [ROUNDS] [VMID]
#     dir   rootfs is a folder, copied with rsync
#     ext4  rootfs is an ext4 image loop-mounted on the host; unmounted after the dump, the image
#           is copied and mounted again on the destination before the restore
#     ROUNDS migrations h1->h2->h1... (default 2). The container is removed at the end.
set -euo pipefail

MODE=${1:-dir}; ROUNDS=${2:-2}; VMID=${3:-1}
HERE=$(dirname "$(readlink -f "$0")")
STATE=${ONEHAUL_TESTBED_DIR:-/var/lib/onehaul-testbed}
# shellcheck disable=SC1091
. "$STATE/env.sh"
TB="$HERE/testbed.sh"
NAME=one-$VMID
VMDIR=/var/lib/one/datastores/0/$VMID          # same path on every host, as in OpenNebula
ROOTFS=$VMDIR/rootfs                           # folder, or mount point of $VMDIR/disk.0
CK=$VMDIR/checkpoint
CRIU_ENV=("$TB_CRIU_ENV")                      # CRIU_FAULT=130 on these VMs

on() { local h=$1; shift; "$TB" exec "$h" -- "$@"; }
now() { echo "$EPOCHREALTIME"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
tick() { on "$1" cat "$ROOTFS/tick" 2>/dev/null || echo "- -"; }

# The LXC config the driver generates (see README.md for why each line is there).
config() {
  cat <<EOF
lxc.include = /usr/share/lxc/config/common.conf
lxc.uts.name = $NAME
lxc.rootfs.path = dir:$ROOTFS
lxc.init.cmd = /sbin/onehaul-counter
lxc.tty.max = 0
lxc.console.path = none
lxc.net.0.type = veth
lxc.net.0.link = $TB_NIC_BRIDGE
lxc.net.0.flags = up
lxc.net.0.hwaddr = 02:00:0a:e8:00:0$VMID
lxc.net.0.ipv4.address = 10.232.0.$((10 + VMID))/24 10.232.0.255
EOF
}

# Restore-only CRIU options (not in /etc/criu/default.conf: it is read for dumps too).
restore_conf() { echo mntns-compat-mode; }

setup() {
  local h=$1
  on "$h" mkdir -p "$VMDIR" "/var/lib/lxc/$NAME"
  if [ "$MODE" = ext4 ]; then
    on "$h" "$TB" image-ext4 "$VMDIR/disk.0" 64
    on "$h" mkdir -p "$ROOTFS"
    on "$h" mount -o loop "$VMDIR/disk.0" "$ROOTFS"
  else
    on "$h" "$TB" image-dir "$ROOTFS"
  fi
  config | on "$h" sh -c "cat > /var/lib/lxc/$NAME/config"
  restore_conf | on "$h" sh -c "cat > /var/lib/lxc/$NAME/criu-restore.conf"
  on "$h" lxc-start -n "$NAME"
}

migrate() {
  local src=$1 dst=$2 t0 t1 t2 t3 before after
  before=$(tick "$src")
  t0=$(now)
  on "$src" env "${CRIU_ENV[@]}" lxc-checkpoint -s -D "$CK" -n "$NAME"
  t1=$(now)
  local dumped; dumped=$(tick "$src")
  # Copy, driven from the source host over its ssh key, like the driver's direct transfer.
  on "$dst" mkdir -p "$VMDIR" "/var/lib/lxc/$NAME"
  if [ "$MODE" = ext4 ]; then
    on "$src" umount "$ROOTFS"    # flush the file system before its image is copied
    on "$src" rsync -a --sparse --exclude=rootfs "$VMDIR/" "root@$dst:$VMDIR/"
    on "$dst" mkdir -p "$ROOTFS"
    on "$dst" mount -o loop "$VMDIR/disk.0" "$ROOTFS"
  else
    on "$src" rsync -a "$VMDIR/" "root@$dst:$VMDIR/"
  fi
  on "$src" rsync -a "/var/lib/lxc/$NAME/" "root@$dst:/var/lib/lxc/$NAME/"
  t2=$(now)
  on "$dst" env "${CRIU_ENV[@]}" CRIU_CONFIG_FILE="/var/lib/lxc/$NAME/criu-restore.conf" \
    lxc-checkpoint -r -D "$CK" -n "$NAME"
  t3=$(now)
  sleep 0.6
  after=$(tick "$dst")
  # Clean the source the way the driver would after success.
  on "$src" rm -rf "$VMDIR" "/var/lib/lxc/$NAME"
  on "$dst" rm -rf "$CK"
  echo "$src->$dst: dump $(secs "$t0" "$t1") s, copy $(secs "$t1" "$t2") s, restore $(secs "$t2" "$t3") s," \
       "total $(secs "$t0" "$t3") s | tick before dump: $before | at dump: $dumped | after restore+0.6s: $after"
  [ "${dumped%% *}" = "${after%% *}" ] || { echo "FAIL: boot id changed (the container was restarted)"; return 1; }
  [ "${after##* }" -gt "${dumped##* }" ] || { echo "FAIL: counter did not go on"; return 1; }
  [ "$(on "$dst" lxc-info -s -H -n "$NAME")" = RUNNING ] || { echo "FAIL: not RUNNING on $dst"; return 1; }
  [ "$(on "$src" lxc-info -s -H -n "$NAME" 2>/dev/null || echo STOPPED)" != RUNNING ] || { echo "FAIL: still RUNNING on $src"; return 1; }
}

src=h1; dst=h2
setup "$src"
sleep 1
echo "started $NAME on $src ($MODE): $(tick "$src")"
for _ in $(seq "$ROUNDS"); do
  migrate "$src" "$dst"
  t=$src; src=$dst; dst=$t
done
on "$src" lxc-stop -k -n "$NAME"
[ "$MODE" = ext4 ] && on "$src" umount "$ROOTFS"
on "$src" rm -rf "$VMDIR" "/var/lib/lxc/$NAME"
echo "OK: $ROUNDS migration(s), container kept its boot id and counter"
