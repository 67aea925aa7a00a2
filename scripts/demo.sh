#!/usr/bin/env bash
# The local demo cloud: two namespaced hosts (h1, h2) on this machine with a VXLAN segment for containers,
# OneHaul installed into a scratch front-end root, and a real Debian 12 container (nginx, sshd, PostgreSQL
# with a writer; testbed/images/debian12.sh) driven through the lxc_live and onehaul TM shims exactly as
# oned's one_vmm_exec calls them (argv, base64 stdin): deploy on h1, clients on the front-end (ping every
# 10 ms, an HTTP keep-alive connection, an SSH session), a live migration to h2 (tm premigrate, vmm
# migrate, tm postmigrate), the migration report, the largest gap the clients saw, and proof that the
# connections, the processes and every acknowledged database row went on.
# Run as root on Debian 12 (it stays Debian 12: the hosts run a Debian 13 root of their own, testbed/hostroot.sh).
# `--keep` leaves the test bed and container up afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC2034  # read by the sourced scripts/lib files
REPO=$PWD
KEEP=no; [ "${1:-}" = --keep ] && KEEP=yes
FE=/var/tmp/onehaul-demo
VMID=42
say() { printf '\n== %s\n' "$*"; }
[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root (namespaces, LXC, CRIU)" >&2; exit 1; }

say "Installing the front-end's packages (Debian 12's own: Java, Maven, ssh, rsync, debootstrap...) if missing"
bash testbed/install-deps.sh
say "The hosts' operating system: a Debian 13 root with LXC and CRIU 4.x (debootstrap once, then cached)"
bash testbed/hostroot.sh build >/dev/null
echo "   $(bash testbed/hostroot.sh versions); the front-end stays $(sed -n 's/^PRETTY_NAME=//p' /etc/os-release)"
say "Building OneHaul"
mvn -B -q --no-transfer-progress package -DskipTests
say "Bringing up the test bed: hosts h1 and h2 in their own network and mount namespaces"
bash testbed/testbed.sh up 2
# shellcheck source=/dev/null  # written by testbed.sh up
. /var/lib/onehaul-testbed/env.sh
# shellcheck disable=SC1091  # scripts/lib/frontend.sh: checked on its own
. scripts/lib/frontend.sh
say "Installing OneHaul into a scratch front-end root ($FE/root) with install.sh"
fe_install
SYSDIR=$(sysdir $VMID)

say "Building the container: Debian 12 (debootstrap, cached) with nginx, sshd and PostgreSQL 15 with a writer"
# shellcheck disable=SC1091  # scripts/lib/service-clients.sh: checked on its own
. scripts/lib/service-clients.sh
# shellcheck disable=SC1091  # scripts/lib/services-vm.sh: checked on its own
. scripts/lib/services-vm.sh
services_image "$FE/debian12.ext4"

say "deploy '/var/lib/one/vms/$VMID/deployment.0' 'h1' $VMID h1 (root disk placed in h1's system datastore, as a TM clone would)"
services_deploy $VMID h1 "$FE/debian12.ext4"
IP=$VM_IP
echo "   one-$VMID runs on h1 at $IP (the test bed's VXLAN segment; the front-end is 10.232.1.1 on it)"
echo "   nginx from the front-end: $(python3 -c 'import sys,urllib.request; print(urllib.request.urlopen("http://"+sys.argv[1]+"/", timeout=3).read().decode().strip()[:60])' "$IP")"
echo "   the writer has $(acked_rows $VMID h1 | wc -l) rows acknowledged by PostgreSQL"

say "Clients on the front-end: ping every 10 ms, an HTTP keep-alive connection to nginx, an SSH session into the container"
clients_start "$FE/clients" "$IP" "$TB_FRONTEND_KEY" "$(services_known_hosts "$FE/debian12.ext4" "$IP")"
clients_ready "$FE/clients"
sleep 2

say "Live migration h1 -> h2, in one_vmm_exec's order: tm premigrate, vmm migrate, tm postmigrate"
BEFORE=$(tick $VMID h1); echo "   /tick before the move:     $BEFORE"
T0=$(date +%s.%N)
live_migrate $VMID h1 h2
awk -v t0="$T0" -v t1="$(date +%s.%N)" 'BEGIN { printf "   MIGRATE SUCCESS (the whole MIGRATE as oned sees it: %.2f s)\n", t1 - t0 }'
sleep 3
clients_stop "$FE/clients"

say "The migration report ($FE/onehaul-migrations.jsonl)"
last_report | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("   result %s, strategy %s, %s -> %s" % (r["result"], r["strategy"], r["source"], r["destination"]))
print("   freeze %.2f s (dump start on h1 to restore confirmed on h2), total %.2f s, %.1f MiB moved" % (r["freezeSeconds"], r["totalSeconds"], r["bytesMoved"] / 1048576))
for p in r["phases"]:
    print("     %-10s %6d ms %s" % (p["phase"], p["ms"], ("%.1f MiB" % (p["bytes"] / 1048576)) if p.get("bytes") is not None else ""))'

say "What the container's users saw"
clients_summary
db_check $VMID h2; db_summary
AFTER=$(tick $VMID h2); echo "   /tick on h2 after:         $AFTER"
echo "   on h1: $(bash testbed/testbed.sh exec h1 -- sh -c "lxc-info -n one-$VMID -s -H 2>/dev/null || echo 'no container'"), folder: $(bash testbed/testbed.sh exec h1 -- sh -c "test -e $SYSDIR && echo present || echo removed")"
if [ "${BEFORE%% *}" = "${AFTER%% *}" ] && [ "${AFTER##* }" -gt "${BEFORE##* }" ] && clients_survived \
   && [ "$DB_LOST" = 0 ] && [ "$DB_DUP" = 0 ]; then
  echo "   PROOF: same boot id, the heartbeat went on from ${BEFORE##* } to ${AFTER##* }, the SSH session and the HTTP"
  echo "   connection lived through the move, no acknowledged row lost or doubled -> the same processes continued on h2,"
  echo "   and the network followed them (largest gap a client saw: $NET_GAP s)"
else
  echo "   UNEXPECTED: the container restarted, a connection broke or rows went missing (see above)"; exit 1
fi

if [ "$KEEP" = no ]; then
  say "cancel 'one-$VMID' 'h2' $VMID h2, and the test bed down"
  vmm_call cancel "$(action_message $VMID h2 "")" $VMID h2 "one-$VMID" h2
  bash testbed/testbed.sh down
else
  say "Left running: bash testbed/testbed.sh status; bash testbed/testbed.sh down when done"
fi
