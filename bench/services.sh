#!/usr/bin/env bash
# Real services across a move (issue 10): what a user of a Debian 12 container sees while it moves.
#
#   bash bench/services.sh [--modes LIST] [--flavour services|systemd] [RUNS]
#
#   RUNS      default 3 (median per mode)
#   --modes   default "stop-and-copy streamed post-copy save-restore poweroff" (comma or space separated):
#             a live strategy name (the driver is told to use only it), save-restore = `onevm migrate`
#             with lxc_live's CRIU save/restore (type 0), poweroff = `onevm migrate --poff` (type 1: the
#             container boots afresh on the new host): the BASELINE every ratio is against
#   --flavour the image's init (testbed/images/debian12.sh), default services
#
# Per (run, mode) a fresh container (testbed/images/debian12.sh: nginx, sshd, PostgreSQL 15 with a writer
# committing a row every ~50 ms; 512 MiB; VM ids 940-999) is deployed on h1 through the lxc_live shim and
# moved to h2 through the lxc_live and onehaul TM shims in oned's order, while three clients on the
# front-end use it over the test bed's VXLAN segment (scripts/lib/service-clients.sh):
#   network gap  the largest gap between replies to an ICMP echo sent every 10 ms;
#   http         one keep-alive connection fetching nginx's page every 50 ms: largest gap, failed
#                requests, connections used (1 = it survived);
#   ssh          one SSH session running a loop: still open, lines missing.
# After the move: rows the writer was told were committed but are missing (lost) or there twice (dup).
# Prints the table and writes bench/results/services-<UTC stamp>.tsv (medians; columns mode, runs_ok,
# net_gap_s, http_gap_s, freeze_s, net_gap_vs_poweroff, survived, lost_rows, dup_rows) and .txt.
# Root; the test bed must be up or absent (then it is brought up), never taken down.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
CMDLINE="bash bench/services.sh$(for a in "$@"; do printf ' %s' "$a"; done)"
die() { echo "services.sh: $*" >&2; exit 1; }
usage() { sed -n '4,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

MODES="stop-and-copy streamed post-copy save-restore poweroff"; RUNS=3; FLAVOUR=services
while [ $# -gt 0 ]; do
  case "$1" in
    --modes) [ $# -ge 2 ] || usage; MODES=$(echo "$2" | tr ',' ' ' | xargs); shift 2 ;;
    --flavour) [ $# -ge 2 ] || usage; FLAVOUR=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "services.sh: unknown option $1" >&2; usage ;;
    *) [[ "$1" =~ ^[1-9][0-9]?$ ]] || die "RUNS must be 1..99, not '$1'"; RUNS=$1; shift ;;
  esac
done
for m in $MODES; do
  case "$m" in stop-and-copy|streamed|post-copy|pre-copy|hybrid|save-restore|poweroff) ;;
    *) die "unknown mode '$m' (a strategy name, save-restore or poweroff)" ;; esac
done
case "$FLAVOUR" in services|systemd) ;; *) die "--flavour must be services or systemd" ;; esac
[ "$(id -u)" = 0 ] || die "run as root"

exec 8>/run/onehaul-bench.lock; flock -n 8 || die "another benchmark is running"
bash testbed/install-deps.sh >/dev/null
mvn -B -q --no-transfer-progress package -DskipTests || die "build failed"
TB="bash $REPO/testbed/testbed.sh"
$TB up 3 --provider-b h3 >&2 || die "test bed"
. /var/lib/onehaul-testbed/env.sh
FE=/var/tmp/onehaul-bench-services
. scripts/lib/frontend.sh
. bench/lib/vmxml-extra.sh
. scripts/lib/service-clients.sh
. scripts/lib/services-vm.sh
SERVICES_FLAVOUR=$FLAVOUR
fe_install
mkdir -p "$FE/logs"
export REPO FE VMM TMR ONEHAUL_CONF
IMG=$FE/debian12-$FLAVOUR.ext4
services_image "$IMG" || die "image build failed"

VMID=940; CUR=""
scrub_vm() { # vmid: nothing of it left on h1, h2
  local h
  for h in h1 h2; do
    $TB exec "$h" -- sh -c "lxc-stop -k -n one-$1 >/dev/null 2>&1; awk -v p=$(sysdir "$1")/ 'index(\$2,p)==1 {print \$2}' /proc/mounts | sort -r | while read -r m; do umount -l \"\$m\"; done; rm -rf /var/lib/lxc/one-$1 $(sysdir "$1")" >/dev/null 2>&1
  done
}
trap '[ -n "$CUR" ] && scrub_vm "$CUR"; [ -n "${CLIENTS:-}" ] && clients_stop "$CLIENTS" >/dev/null 2>&1' EXIT
report_count() { [ -f "$FE/onehaul-migrations.jsonl" ] && wc -l < "$FE/onehaul-migrations.jsonl" || echo 0; }

declare -A NET HTTPG FREEZE OKS LOST DUP SURV
DETAILS=()
one_run() { # run mode
  local run=$1 mode=$2 vmid=$VMID rc n0 freeze="-" kh why=""
  VMID=$((VMID + 1)); [ $VMID -gt 999 ] && VMID=940
  CUR=$vmid; scrub_vm "$vmid"
  if ! services_deploy "$vmid" h1 "$IMG" > "$FE/logs/deploy-$vmid.log" 2>&1; then
    DETAILS+=("run $run $mode: deploy failed: $(tail -n 1 "$FE/logs/deploy-$vmid.log")"); scrub_vm "$vmid"; return
  fi
  kh=$(services_known_hosts "$IMG" "$VM_IP")
  CLIENTS=$FE/clients-$vmid
  clients_start "$CLIENTS" "$VM_IP" "$TB_FRONTEND_KEY" "$kh"
  clients_ready "$CLIENTS" || why="clients got no answer before the move"
  sleep 3
  n0=$(report_count)
  case "$mode" in
    save-restore) timeout 600 bash -c ". scripts/lib/frontend.sh; save_migrate $vmid h1 h2" > "$FE/logs/move-$vmid.log" 2>&1 ;;
    poweroff) timeout 600 bash -c ". scripts/lib/frontend.sh; poweroff_migrate $vmid h1 h2" > "$FE/logs/move-$vmid.log" 2>&1 ;;
    *) BENCH_USER_TEMPLATE_EXTRA=$(strategy_xml "$mode") timeout 600 bash bench/lib/live-migrate.sh "$vmid" h1 h2 \
         > "$FE/logs/move-$vmid.log" 2>&1 ;;
  esac
  rc=$?
  # the services answer again (a fresh boot takes a while), then the clients go on a little longer
  services_ready "$vmid" h2 >/dev/null 2>&1 || why="${why:+$why; }services did not answer on h2"
  sleep 3
  clients_stop "$CLIENTS"; CLIENTS=""
  if [ "$(report_count)" -gt "$n0" ]; then
    freeze=$(tail -n 1 "$FE/onehaul-migrations.jsonl" | python3 -c 'import json,sys; f=json.load(sys.stdin).get("freezeSeconds"); print("%.3f" % f if f is not None else "-")')
  fi
  db_check "$vmid" h2
  [ $rc -eq 0 ] || why="${why:+$why; }move failed (exit $rc): $(grep -v '^\s*$' "$FE/logs/move-$vmid.log" | tail -n 1 | cut -c1-200)"
  local surv=no; clients_survived && surv=yes
  DETAILS+=("run $run $mode: net gap $NET_GAP s, http gap $HTTP_GAP s ($HTTP_OK ok, $HTTP_FAILED failed, $HTTP_CONNECTIONS connection(s)), ssh ${SSH_ALIVE} ($SSH_HOLES missing), freeze $freeze s, rows $DB_ACKED acked / $DB_LOST lost / $DB_DUP dup${why:+; $why}")
  echo "${DETAILS[-1]}" >&2
  if [ -z "$why" ]; then
    OKS[$mode]=$(( ${OKS[$mode]:-0} + 1 ))
    NET[$mode]+=" $NET_GAP"; HTTPG[$mode]+=" $HTTP_GAP"; FREEZE[$mode]+=" $freeze"
    LOST[$mode]=$(( ${LOST[$mode]:-0} + DB_LOST )); DUP[$mode]=$(( ${DUP[$mode]:-0} + DB_DUP ))
    SURV[$mode]+=" $surv"
  fi
  scrub_vm "$vmid"; CUR=""
}

med() { [ $# -gt 0 ] || { echo "-"; return; }; printf '%s\n' "$@" | grep -v '^-$' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.3f", a / b; else print "-" }'; }

for run in $(seq "$RUNS"); do
  for mode in $MODES; do one_run "$run" "$mode"; done
done

STAMP=$(date -u +%Y%m%d-%H%M); mkdir -p bench/results
TSV=bench/results/services-$STAMP.tsv; TXT=bench/results/services-$STAMP.txt
base=$(med ${NET[poweroff]:-})
{
  printf 'mode\truns_ok\tnet_gap_s\thttp_gap_s\tfreeze_s\tnet_gap_vs_poweroff\tsurvived\tlost_rows\tdup_rows\n'
  for mode in $MODES; do
    # shellcheck disable=SC2086
    printf '%s\t%s/%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "${OKS[$mode]:-0}" "$RUNS" "$(med ${NET[$mode]:-})" \
      "$(med ${HTTPG[$mode]:-})" "$(med ${FREEZE[$mode]:-})" "$(ratio "$(med ${NET[$mode]:-})" "$base")" \
      "$(echo ${SURV[$mode]:-} | tr ' ' '\n' | grep -c yes)/${OKS[$mode]:-0}" "${LOST[$mode]:-0}" "${DUP[$mode]:-0}"
  done
} > "$TSV"
REPORT="$(column -t -s $'\t' "$TSV")
$(printf '\nmedians of %s run(s); net_gap = largest gap between ping replies from the front-end every 10 ms;\nhttp_gap = largest gap between keep-alive responses every 50 ms; survived = runs in which the HTTP connection and the SSH session lived through the move with no failed request or missing line;\nbaseline = poweroff (onevm migrate --poff: the container boots afresh on h2)\nimage: testbed/images/debian12.sh %s, 512 MiB, h1 -> h2 over the test bed (VXLAN segment, unshaped)\n' "$RUNS" "$FLAVOUR")
runs:
$(printf '  %s\n' "${DETAILS[@]}")

command: $CMDLINE"
echo "$REPORT"; echo "$REPORT" > "$TXT"
echo "results: $TSV $TXT" >&2
