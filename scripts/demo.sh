#!/usr/bin/env bash
# The local demo cloud: two namespaced hosts (h1, h2) on this machine, OneHaul installed into a
# scratch front-end root, and a real LXC container driven through the lxc_live and onehaul TM shims
# exactly as oned's one_vmm_exec calls them (argv, base64 stdin): deploy on h1, then a live migration
# to h2 (tm premigrate, vmm migrate, tm postmigrate), the migration report (freeze time, total time,
# bytes), and proof that the container's processes continued rather than restarted.
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
  awk -v a="$action" -v t0="$t0" -v t1="$(date +%s.%N)" 'BEGIN { printf "   (%s took %.2f s)\n", a, t1 - t0 }' >&2
}
tick() { bash testbed/testbed.sh exec h1 -- cat "$SYSDIR/mapper/disk.0/tick"; }

say "Placing the container's root disk (a 64 MiB ext4 image) in h1's system datastore, as a TM clone would"
bash testbed/testbed.sh image-ext4 "$FE/counter.ext4" >/dev/null
bash testbed/testbed.sh exec h1 -- sh -c "rm -rf $SYSDIR && mkdir -p $SYSDIR && cp --sparse=always $FE/counter.ext4 $SYSDIR/disk.0"

say "deploy '/var/lib/one/vms/$VMID/deployment.0' 'h1' $VMID h1"
vm_xml h1 "" > "$FE/var/vms/$VMID/deployment.0"
driver deploy "$(cat "$FE/var/vms/$VMID/deployment.0")" "/var/lib/one/vms/$VMID/deployment.0" h1 | sed 's/^/   deploy id: /'
sleep 2; echo "   /tick (boot id, counter): $(tick)"; sleep 1; echo "   /tick one second later:   $(tick)"

say "Live migration h1 -> h2, in one_vmm_exec's order (reference §2.2)"
BEFORE=$(tick); echo "   /tick before the move:     $BEFORE"
migr_message() { # the MIGRATE message: HOST = source, MIGR_HOST = destination, VM history = the new record
  printf '<VMM_DRIVER_ACTION_DATA><HOST>h1</HOST><MIGR_HOST>h2</MIGR_HOST><DEPLOY_ID>one-%s</DEPLOY_ID><LOCAL_DEPLOYMENT_FILE/><REMOTE_DEPLOYMENT_FILE/><CHECKPOINT_FILE/><TM_COMMAND>MIGRATE onehaul h1 h2 %s %s 100\n</TM_COMMAND><TM_COMMAND_ROLLBACK/><DISK_TARGET_PATH>%s</DISK_TARGET_PATH>%s<DATASTORE><ID>100</ID><NAME>system</NAME><TM_MAD>onehaul</TM_MAD><BASE_PATH>/var/lib/one/datastores/100</BASE_PATH><TEMPLATE><SHARED>NO</SHARED></TEMPLATE></DATASTORE></VMM_DRIVER_ACTION_DATA>' \
    "$VMID" "$SYSDIR" "$VMID" "$SYSDIR" "$(vm_xml h2 "one-$VMID" 1)"
}
TMR="$FE/root/var/lib/one/remotes/tm/onehaul"
T0=$(date +%s.%N)
echo "   tm premigrate h1 h2 $SYSDIR $VMID 100"
vm_xml h2 "one-$VMID" 1 | base64 -w0 | (cd /var/tmp && /bin/sh -c "$TMR/premigrate h1 h2 $SYSDIR $VMID 100")
echo "   vmm migrate 'one-$VMID' 'h2' 'h1' $VMID h1"
migr_message | base64 -w0 | (cd /var/tmp && /bin/sh -c "$REMOTES/migrate 'one-$VMID' 'h2' 'h1' $VMID h1")
echo "   tm postmigrate h1 h2 $SYSDIR $VMID 100"
vm_xml h2 "one-$VMID" 1 | base64 -w0 | (cd /var/tmp && /bin/sh -c "$TMR/postmigrate h1 h2 $SYSDIR $VMID 100")
awk -v t0="$T0" -v t1="$(date +%s.%N)" 'BEGIN { printf "   (whole MIGRATE as oned sees it: %.2f s)\n", t1 - t0 }'
echo "   MIGRATE SUCCESS $VMID -"

say "The migration report ($FE/onehaul-migrations.jsonl)"
tail -n 1 "$FE/onehaul-migrations.jsonl" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("   result %s, strategy %s, %s -> %s" % (r["result"], r["strategy"], r["source"], r["destination"]))
print("   freeze %.2f s (dump start on h1 to restore confirmed on h2), total %.2f s, %.1f MiB moved" % (r["freezeSeconds"], r["totalSeconds"], r["bytesMoved"] / 1048576))
for p in r["phases"]:
    print("     %-10s %6d ms %s" % (p["phase"], p["ms"], ("%.1f MiB" % (p["bytes"] / 1048576)) if p.get("bytes") is not None else ""))'
tick2() { bash testbed/testbed.sh exec h2 -- cat "$SYSDIR/mapper/disk.0/tick"; }
sleep 1; AFTER=$(tick2); echo "   /tick on h2 after:         $AFTER"
echo "   on h1: $(bash testbed/testbed.sh exec h1 -- sh -c "lxc-info -n one-$VMID -s -H 2>/dev/null || echo 'no container'"), folder: $(bash testbed/testbed.sh exec h1 -- sh -c "test -e $SYSDIR && echo present || echo removed")"
if [ "${BEFORE%% *}" = "${AFTER%% *}" ] && [ "${AFTER##* }" -gt "${BEFORE##* }" ]; then
  echo "   PROOF: same boot id and the counter went on from ${BEFORE##* } to ${AFTER##* } -> the same processes continued on h2"
else
  echo "   UNEXPECTED: the container restarted (boot id or counter reset)"; exit 1
fi

if [ "$KEEP" = no ]; then
  say "cancel 'one-$VMID' 'h2' $VMID h2, and the test bed down"
  (cd /var/tmp && message h2 "" | base64 -w0 | /bin/sh -c "$REMOTES/cancel 'one-$VMID' 'h2' $VMID h2")
  bash testbed/testbed.sh down
else
  say "Left running: bash testbed/testbed.sh status; bash testbed/testbed.sh down when done"
fi
