#!/usr/bin/env bash
# The local demo cloud: two namespaced hosts (h1, h2) on this machine, OneHaul installed into a
# scratch front-end root, and a real LXC container driven through the lxc_live shims exactly as
# oned's one_vmm_exec calls them (argv, base64 stdin): deploy on h1, save (CRIU checkpoint),
# restore, and proof that the container's processes continued rather than restarted.
# Run as root on Debian 12. `--keep` leaves the test bed and container up afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
KEEP=no; [ "${1:-}" = --keep ] && KEEP=yes

say() { printf '\n== %s\n' "$*"; }
[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root (namespaces, LXC, CRIU)" >&2; exit 1; }

say "Installing packages (LXC, CRIU 4.x, sshd, rsync) if missing"
bash testbed/install-deps.sh
say "Building OneHaul"
mvn -B -q --no-transfer-progress package -DskipTests
say "Bringing up the test bed: hosts h1 and h2 in their own network and mount namespaces"
bash testbed/testbed.sh up 2
. /var/lib/onehaul-testbed/env.sh

FE=/var/tmp/onehaul-demo
rm -rf "$FE"; mkdir -p "$FE/root/etc/one" "$FE/var/vms/42"
say "Installing OneHaul into a scratch front-end root ($FE/root) with install.sh"
bash install.sh --root "$FE/root" --jar target/onehaul.jar --no-chown >/dev/null
cat > "$FE/root/etc/one/onehaul.conf" <<CONF
ssh.user = root
ssh.identity = $TB_FRONTEND_KEY
ssh.known_hosts = $TB_KNOWN_HOSTS
host.sudo =
criu.env = $TB_CRIU_ENV
timeout.stop_seconds = 5
log.dir = $FE
CONF
export ONEHAUL_CONF="$FE/root/etc/one/onehaul.conf"
REMOTES="$FE/root/var/lib/one/remotes/vmm/lxc_live"
VMID=42; SYSDIR=/var/lib/one/datastores/100/$VMID

vm_xml() { sed -e "s/@VMID@/$VMID/g" -e "s/@HOST@/$1/g" -e "s/@DEPLOY_ID@/$2/g" -e "s/@SEQ@/${3:-0}/g" examples/counter-vm.xml; }
message() { # host checkpoint: a VMM_DRIVER_ACTION_DATA as one_vmm_exec builds it (reference §1.6)
  printf '<VMM_DRIVER_ACTION_DATA><HOST>%s</HOST><MIGR_HOST/><DEPLOY_ID>one-%s</DEPLOY_ID><LOCAL_DEPLOYMENT_FILE/><REMOTE_DEPLOYMENT_FILE/><CHECKPOINT_FILE>%s</CHECKPOINT_FILE><TM_COMMAND/><TM_COMMAND_ROLLBACK/><DISK_TARGET_PATH/>%s<DATASTORE><ID>100</ID><NAME>system</NAME><TM_MAD>ssh</TM_MAD><BASE_PATH>/var/lib/one/datastores/100</BASE_PATH><TEMPLATE><SHARED>NO</SHARED></TEMPLATE></DATASTORE></VMM_DRIVER_ACTION_DATA>' \
    "$1" "$VMID" "$2" "$(vm_xml "$1" "one-$VMID")"
}
# one_vmm_exec runs a local action through /bin/sh -c, params single-quoted, "<vmid> <host>" appended,
# stdin = base64 on one line without newline.
driver() { local action=$1 stdin=$2; shift 2
  local cmd="$REMOTES/$action"; for a in "$@"; do cmd+=" '$a'"; done
  local t0; t0=$(date +%s.%N)
  (cd /var/tmp && printf '%s' "$stdin" | base64 -w0 | /bin/sh -c "$cmd $VMID h1")
  awk -v a="$action" -v t0="$t0" -v t1="$(date +%s.%N)" 'BEGIN { printf "   (%s took %.2f s)\n", a, t1 - t0 }'
}
tick() { bash testbed/testbed.sh exec h1 -- cat "$SYSDIR/mapper/disk.0/tick"; }

say "Placing the container's root disk (a 64 MiB ext4 image) in h1's system datastore, as a TM clone would"
bash testbed/testbed.sh image-ext4 "$FE/counter.ext4" >/dev/null
bash testbed/testbed.sh exec h1 -- sh -c "rm -rf $SYSDIR && mkdir -p $SYSDIR && cp --sparse=always $FE/counter.ext4 $SYSDIR/disk.0"

say "deploy '/var/lib/one/vms/$VMID/deployment.0' 'h1' $VMID h1"
vm_xml h1 "" > "$FE/var/vms/$VMID/deployment.0"
driver deploy "$(cat "$FE/var/vms/$VMID/deployment.0")" "/var/lib/one/vms/$VMID/deployment.0" h1 | sed 's/^/   deploy id: /'
sleep 2; echo "   /tick (boot id, counter): $(tick)"; sleep 1; echo "   /tick one second later:   $(tick)"

say "save 'one-$VMID' '$SYSDIR/checkpoint' 'h1' $VMID h1   (CRIU checkpoint; the container stops)"
driver save "$(message h1 "$SYSDIR/checkpoint")" "one-$VMID" "$SYSDIR/checkpoint" h1
BEFORE=$(tick); echo "   /tick at checkpoint:       $BEFORE"
echo "   checkpoint on h1: $(bash testbed/testbed.sh exec h1 -- du -sh "$SYSDIR/checkpoint" | cut -f1), container: $(bash testbed/testbed.sh exec h1 -- sh -c "lxc-info -n one-$VMID -s -H 2>/dev/null || echo gone")"
sleep 2

say "restore '$SYSDIR/checkpoint' 'h1' 'one-$VMID' $VMID h1   (processes come back from the checkpoint)"
driver restore "$(message h1 "$SYSDIR/checkpoint")" "$SYSDIR/checkpoint" h1 "one-$VMID"
sleep 1; AFTER=$(tick); echo "   /tick after restore:       $AFTER"
if [ "${BEFORE%% *}" = "${AFTER%% *}" ] && [ "${AFTER##* }" -gt "${BEFORE##* }" ]; then
  echo "   PROOF: same boot id and the counter went on from ${BEFORE##* } -> the same processes continued"
else
  echo "   UNEXPECTED: the container restarted (boot id or counter reset)"; exit 1
fi

if [ "$KEEP" = no ]; then
  say "cancel 'one-$VMID' 'h1' $VMID h1, and the test bed down"
  driver cancel "$(message h1 "")" "one-$VMID" h1
  bash testbed/testbed.sh down
else
  say "Left running: bash testbed/testbed.sh status; bash testbed/testbed.sh down when done"
fi
