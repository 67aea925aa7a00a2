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
FE=/var/tmp/onehaul-demo
VMID=42
say() { printf '\n== %s\n' "$*"; }
[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root (namespaces, LXC, CRIU)" >&2; exit 1; }

say "Installing packages (LXC, CRIU 4.x, sshd, rsync) if missing"
bash testbed/install-deps.sh
say "Building OneHaul"
mvn -B -q --no-transfer-progress package -DskipTests
say "Bringing up the test bed: hosts h1 and h2 in their own network and mount namespaces"
bash testbed/testbed.sh up 2
. /var/lib/onehaul-testbed/env.sh
. scripts/lib/frontend.sh
say "Installing OneHaul into a scratch front-end root ($FE/root) with install.sh"
fe_install
SYSDIR=$(sysdir $VMID)

say "Placing the container's root disk (a 64 MiB ext4 image) in h1's system datastore, as a TM clone would"
bash testbed/testbed.sh image-ext4 "$FE/counter.ext4" >/dev/null
place_root_disk $VMID h1 "$FE/counter.ext4"

say "deploy '/var/lib/one/vms/$VMID/deployment.0' 'h1' $VMID h1"
mkdir -p "$FE/vms/$VMID"; vm_xml $VMID h1 "" > "$FE/vms/$VMID/deployment.0"
echo "   deploy id: $(vmm_call deploy "$(cat "$FE/vms/$VMID/deployment.0")" $VMID h1 "/var/lib/one/vms/$VMID/deployment.0" h1)"
sleep 2; echo "   /tick (boot id, counter): $(tick $VMID h1)"; sleep 1; echo "   /tick one second later:   $(tick $VMID h1)"

say "Live migration h1 -> h2, in one_vmm_exec's order: tm premigrate, vmm migrate, tm postmigrate"
BEFORE=$(tick $VMID h1); echo "   /tick before the move:     $BEFORE"
T0=$(date +%s.%N)
live_migrate $VMID h1 h2
awk -v t0="$T0" -v t1="$(date +%s.%N)" 'BEGIN { printf "   MIGRATE SUCCESS (the whole MIGRATE as oned sees it: %.2f s)\n", t1 - t0 }'

say "The migration report ($FE/onehaul-migrations.jsonl)"
last_report | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("   result %s, strategy %s, %s -> %s" % (r["result"], r["strategy"], r["source"], r["destination"]))
print("   freeze %.2f s (dump start on h1 to restore confirmed on h2), total %.2f s, %.1f MiB moved" % (r["freezeSeconds"], r["totalSeconds"], r["bytesMoved"] / 1048576))
for p in r["phases"]:
    print("     %-10s %6d ms %s" % (p["phase"], p["ms"], ("%.1f MiB" % (p["bytes"] / 1048576)) if p.get("bytes") is not None else ""))'
sleep 1; AFTER=$(tick $VMID h2); echo "   /tick on h2 after:         $AFTER"
echo "   on h1: $(bash testbed/testbed.sh exec h1 -- sh -c "lxc-info -n one-$VMID -s -H 2>/dev/null || echo 'no container'"), folder: $(bash testbed/testbed.sh exec h1 -- sh -c "test -e $SYSDIR && echo present || echo removed")"
if [ "${BEFORE%% *}" = "${AFTER%% *}" ] && [ "${AFTER##* }" -gt "${BEFORE##* }" ]; then
  echo "   PROOF: same boot id and the counter went on from ${BEFORE##* } to ${AFTER##* } -> the same processes continued on h2"
else
  echo "   UNEXPECTED: the container restarted (boot id or counter reset)"; exit 1
fi

if [ "$KEEP" = no ]; then
  say "cancel 'one-$VMID' 'h2' $VMID h2, and the test bed down"
  vmm_call cancel "$(action_message $VMID h2 "")" $VMID h2 "one-$VMID" h2
  bash testbed/testbed.sh down
else
  say "Left running: bash testbed/testbed.sh status; bash testbed/testbed.sh down when done"
fi
