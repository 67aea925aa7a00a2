#!/usr/bin/env bash
# WAN benchmark (issue 9): a container moved between providers over the test bed's WAN link, live and cold,
# by the direct path and through the front-end's relay.
#
#   bash bench/wan.sh [--strategy NAME] [--data-mib N] [--paths LIST] [RUNS]
#
#   RUNS          default 3 (medians)
#   --strategy    the live strategy, default post-copy (the one whose freeze does not grow with memory or link)
#   --data-mib    random data on the 1 GiB rootfs image, default 900 (as bench/strategies.sh)
#   --paths       default "direct relay"
#
# The test bed as the Java tests use it (`testbed.sh up 3 --provider-b h3`): h1 in provider A, h3 in
# provider B behind the WAN link (TB_WAN_MBIT Mbit/s tbf, +TB_WAN_RTT_MS ms round trip from the delay line).
# Per path and run, one container (1 GiB ext4 rootfs with DATA_MIB of random data, 256 MiB of memory held
# by /writer 256 0 with WRITER_ON_DEMAND=1: heartbeat every 10 ms, every page verified after the move,
# when asked; VM ids 900-939):
#   live: deployed on h1 by lxc_live, then live-migrated h1 -> h3 through the lxc_live and onehaul TM shims
#         as oned runs them; the path is the driver's own choice: `direct` = the providers joined
#         (`testbed.sh providers join`: h1 reaches h3 through the front-end's forwarding, same WAN link),
#         `relay` = isolated (h1 cannot reach h3; the driver relays through the front-end).
#   cold: deployed on h1 again, then by hand: lxc-stop -k, umount, the VM folder as a tar stream (sparse)
#         to h3 (direct: h1's ssh to h3; relay: ssh h1 | ssh h3 on the front-end), mount, lxc-start until
#         RUNNING. That is what an operator without live migration does; its downtime is stop -> RUNNING.
# Columns (bench/results/wan-<UTC stamp>.tsv, medians): path, downtime_s (the workload's largest heartbeat
# gap across the live move), cold_downtime_s, total_s (the live migration's report), bound_s (the report's
# bytes at the link's nominal rate), throughput_mbit (the pre-sync's bytes over its time: the copy path's
# rate). The .txt has the table with the ratios the issue targets, every run, and the command.
# Time: ~4 min per path and run at 100 Mbit/s (two 900 MiB moves), ~25 min with the defaults.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
CMDLINE="bash bench/wan.sh$(for a in "$@"; do printf ' %q' "$a"; done)"

die() { echo "wan.sh: $*" >&2; exit 1; }
usage() { sed -n '5,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

STRATEGY=post-copy; DATA_MIB=900; PATHS="direct relay"; MEM=256; DIRTY=0
POS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --strategy) [ $# -ge 2 ] || usage; STRATEGY=$2; shift 2 ;;
    --data-mib) [ $# -ge 2 ] || usage; DATA_MIB=$2; shift 2 ;;
    --paths) [ $# -ge 2 ] || usage; PATHS=$(echo "$2" | tr ',' ' '); shift 2 ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) POS+=("$1"); shift ;;
  esac
done
RUNS=${POS[0]:-3}
[ ${#POS[@]} -le 1 ] || usage
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number"
[[ "$STRATEGY" =~ ^[a-z0-9-]+$ ]] || die "bad strategy name: $STRATEGY"
[[ "$DATA_MIB" =~ ^[0-9]+$ ]] && [ "$DATA_MIB" -le 960 ] || die "--data-mib must be 0..960 (the image is 1 GiB)"
for p in $PATHS; do case "$p" in direct|relay) ;; *) die "paths are direct and relay, not $p" ;; esac; done
[ -n "$PATHS" ] || usage
[ "$(id -u)" = 0 ] || die "run as root (namespaces, LXC, CRIU)"

FE=/var/tmp/onehaul-wan
TB="bash $REPO/testbed/testbed.sh"
TB_ENV=${ONEHAUL_TESTBED_DIR:-/var/lib/onehaul-testbed}/env.sh
STAMP=$(date -u +%Y%m%d-%H%M)
VMID_FIRST=900; VMID_LAST=939
SRC=h1; DST=h3

# One bench at a time: they share the test bed's links and the machine's memory.
exec 8>/run/onehaul-strategies.lock
flock -n 8 || die "another bench (strategies.sh or wan.sh) is running"

[ -f target/onehaul.jar ] || mvn -B -q --no-transfer-progress package -DskipTests || die "build failed"
if [ ! -f "$TB_ENV" ] || ! grep -qx "TB_PROVIDER_B='$DST'" "$TB_ENV"; then
  $TB up 3 --provider-b "$DST" >/dev/null || die "testbed up 3 --provider-b $DST failed"
fi
. "$TB_ENV"
[ "${TB_WAN_MBIT:-0}" -gt 0 ] || die "the WAN link is not shaped (TB_WAN_MBIT=${TB_WAN_MBIT:-})"
for h in $SRC $DST; do $TB exec $h -- true 2>/dev/null || die "test bed host $h is not usable (testbed.sh status)"; done
. scripts/lib/frontend.sh
. bench/lib/vmxml-extra.sh
. bench/lib/strategies-lib.sh
BENCH_HOSTS="$SRC $DST"
CUR_RATE=$TB_WAN_MBIT      # time limits follow the WAN's rate (strategies-lib's move_timeout)
SSH="ssh -F $TB_SSH_CONFIG"
JAR_INFO="jar $(date -u -r target/onehaul.jar +%Y-%m-%dT%H:%MZ), HEAD $(git rev-parse --short HEAD 2>/dev/null || echo ?)$(git diff --quiet HEAD -- src 2>/dev/null || echo ' (src has uncommitted changes)')"
fe_install
# The workload holds its memory and beats every 10 ms, and verifies every page only when asked, after the
# move (WRITER_ON_DEMAND): a service's working set, not a sweep of all memory ten times a second, which
# post-copy over a WAN would have to pull a page per round trip.
export WRITER_ON_DEMAND=1
export REPO FE VMM TMR ONEHAUL_CONF DISK_MIB=0 BENCH_HOSTS
export BENCH_NIC_BY_VMID=yes
export VM_MEMORY_MB=$((2 * MEM + 512))   # the test bed's hosts share one cgroup tree (bench/strategies.sh)
mkdir -p "$FE/logs"

wan_cleanup() {
  bench_cleanup
  $TB providers split >/dev/null 2>&1 || true
}
trap 'wan_cleanup' EXIT
trap 'exit 130' INT TERM

echo "building the workload image (1024 MiB ext4, $DATA_MIB MiB data, /writer)" >&2
IMG=$FE/rootfs-1024m.ext4
gcc -O2 -static -o "$FE/memhog" bench/src/memhog.c || die "memhog does not build"
gcc -O2 -static -pthread -o "$FE/writer" bench/src/writer.c 2>/dev/null || die "writer does not build"
keep_memory_hot
$TB image-ext4 "$IMG" 1024 >/dev/null || die "image-ext4 failed"
mkdir -p "$FE/mnt"; mount -o loop "$IMG" "$FE/mnt" || die "cannot mount $IMG"
cp "$FE/writer" "$FE/mnt/writer" && { [ "$DATA_MIB" -eq 0 ] || head -c "${DATA_MIB}M" /dev/urandom > "$FE/mnt/data.bin"; }; rc=$?
umount "$FE/mnt"; [ $rc -eq 0 ] || die "cannot fill $IMG"
for h in $SRC $DST; do on $h "echo mntns-compat-mode > $CRIU_RESTORE_CONF"; done

set_path() { # direct | relay: what the providers' isolation allows
  case "$1" in
    direct) $TB providers join >/dev/null ;;
    relay) $TB providers split >/dev/null ;;
  esac
}

# The path the driver took and the pre-sync's rate, from the last report: "relay 87.3"
report_path_rate() {
  python3 -c '
import json, sys
r = json.loads(sys.argv[1])
path = (r.get("transferPath") or "?").split(":")[0]
pre = [p for p in r.get("phases", []) if p["phase"] == "presync" and p.get("bytes")]
rate = sum(p["bytes"] for p in pre) * 8 / 1e6 / max(sum(p["ms"] for p in pre) / 1000, 1e-3) if pre else 0
print(path, "%.1f" % rate)' "$(last_report)"
}

# Cold move by hand. Sets COLD_S or LAST_ERR.
wan_cold_move() { # vmid path
  local vmid=$1 path=$2 S cfg t0 t1 T err=$FE/logs/cold-$1.err stream
  S=$(sysdir "$vmid"); cfg=/var/lib/lxc/one-$vmid/config; T=$(move_timeout "$MEM"); LAST_ERR=""; COLD_S=""
  clean_host "$vmid" "$DST"
  t0=$(now)
  on_t 60 "$SRC" "lxc-stop -k -n one-$vmid >/dev/null && umount $S/mapper/disk.0" 2>"$err" \
    || { LAST_ERR="stop on $SRC failed: $(last_line "$err")"; return 1; }
  stream="tar -C $S --exclude=./mapper -cSf - ."
  if [ "$path" = direct ]; then
    on_t "$T" "$SRC" "$stream | ssh -o BatchMode=yes $DST 'mkdir -p $S && tar -C $S -xSf -'" 2>"$err"
  else
    timeout -k 10 "$T" $SSH "$SRC" "$stream" 2>"$err" | timeout -k 10 "$T" $SSH "$DST" "mkdir -p $S && tar -C $S -xSf -" 2>>"$err"
  fi || { LAST_ERR="copy ($path) failed: $(last_line "$err")"; return 1; }
  $SSH "$SRC" "cat $cfg" 2>"$err" | $SSH "$DST" "mkdir -p /var/lib/lxc/one-$vmid && cat > $cfg" 2>>"$err" \
    || { LAST_ERR="copying the container's config failed: $(last_line "$err")"; return 1; }
  on_t 60 "$DST" "mkdir -p $S/mapper/disk.0 && mount -o loop $S/disk.0 $S/mapper/disk.0 && lxc-start -n one-$vmid </dev/null >/dev/null 2>&1 \
      && lxc-wait -n one-$vmid -s RUNNING -t 30" 2>"$err" || { LAST_ERR="start on $DST failed: $(last_line "$err")"; return 1; }
  t1=$(now)
  COLD_S=$(sub "$t0" "$t1")
}

declare -A G F T B R C OK N
DETAILS=()
note() { DETAILS+=("$*"); echo "  $*" >&2; }

for path in $PATHS; do
  set_path "$path" || die "cannot set the $path path"
  for run in $(seq 1 "$RUNS"); do
    N[$path]=$(( ${N[$path]:-0} + 1 ))
    vmid=$(next_vmid); CUR_VMID=$vmid   # next_vmid ran in a subshell: the cleanup trap needs the id here
    echo "== $path, run $run/$RUNS (vm $vmid)" >&2
    if deploy_workload "$vmid" "$SRC" "$MEM" "$DIRTY"; then
      live_run "$vmid" "$SRC" "$DST" "$STRATEGY" "$MEM"
      if [ "$LIVE_OK" = yes ]; then
        read -r took rate < <(report_path_rate)
        if [ "$took" != "$path" ]; then
          note "$path run $run live: FAILED: the driver took the $took path"
        else
          G[$path]+="$LIVE_GAP "; F[$path]+="$LIVE_FREEZE "; T[$path]+="$LIVE_TOTAL "; B[$path]+="$LIVE_BYTES "
          R[$path]+="$rate "; OK[$path]=$(( ${OK[$path]:-0} + 1 ))
          note "$path run $run live ($STRATEGY): gap $LIVE_GAP s, freeze $LIVE_FREEZE s, total $LIVE_TOTAL s, $LIVE_BYTES bytes, pre-sync $rate Mbit/s, memory errors $LIVE_ERRORS; phases: $LIVE_PHASES"
          [ "$LIVE_ERRORS" = 0 ] || note "$path run $run: $LIVE_ERRORS memory error(s) after the move"
        fi
      else
        note "$path run $run live: FAILED: $LIVE_REASON"
      fi
    else
      note "$path run $run live: deploy failed: $LAST_ERR"
    fi
    scrub "$vmid"
    if deploy_workload "$vmid" "$SRC" "$MEM" "$DIRTY" && wan_cold_move "$vmid" "$path"; then
      C[$path]+="$COLD_S "
      note "$path run $run cold: $COLD_S s"
    else
      note "$path run $run cold: FAILED: $LAST_ERR"
    fi
    scrub "$vmid"
  done
done
$TB providers split >/dev/null

TSV=bench/results/wan-$STAMP.tsv; TXT=bench/results/wan-$STAMP.txt
mkdir -p bench/results
{
  printf 'path\tdowntime_s\tcold_downtime_s\ttotal_s\tbound_s\tthroughput_mbit\n'
  for path in $PATHS; do
    bound=""
    for b in ${B[$path]:-}; do bound+="$(awk -v b="$b" -v r="$TB_WAN_MBIT" 'BEGIN { printf "%.3f", b * 8 / (r * 1e6) }') "; done
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$path" "$(med_or_failed "${G[$path]:-}")" "$(med_or_failed "${C[$path]:-}")" \
      "$(med_or_failed "${T[$path]:-}")" "$(med_or_failed "$bound")" "$(med_or_failed "${R[$path]:-}")"
  done
} > "$TSV"

out=$(
  echo "WAN benchmark on the test bed ($SRC in provider A -> $DST in provider B), $(date -u +%Y-%m-%dT%H:%MZ), median of $RUNS run(s)"
  echo "link: front-end <-> $DST ${TB_WAN_MBIT} Mbit/s (tbf) + ${TB_WAN_RTT_MS} ms round trip (delay line); $SRC <-> front-end unshaped"
  echo "container: 1 GiB ext4 rootfs with $DATA_MIB MiB of random data, /writer $MEM $DIRTY with WRITER_ON_DEMAND=1 ($MEM MiB held, heartbeat every 10 ms, every page verified after the move); live strategy $STRATEGY"
  echo "$JAR_INFO; load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  printf '%-7s %5s %10s %10s %9s %9s %9s %10s %13s %12s\n' path ok downtime cold total bound Mbit/s down/cold total/bound relay/direct
  direct_rate=$(awk -F'\t' '$1 == "direct" { print $6 }' "$TSV")
  tail -n +2 "$TSV" | while IFS=$'\t' read -r p d c t b r; do
    printf '%-7s %5s %10s %10s %9s %9s %9s %10s %13s %12s\n' "$p" "${OK[$p]:-0}/${N[$p]:-0}" "$d" "$c" "$t" "$b" "$r" \
      "$(ratio "$d" "$c")" "$(ratio "$t" "$b")" "$( [ "$p" = relay ] && ratio "$r" "$direct_rate" || echo -)"
  done
  echo
  echo "targets (issue 9): down/cold <= 0.05, total/bound <= 1.3, relay/direct >= 0.9"
  echo "downtime = the writer's largest heartbeat gap (10 ms beats) across the live move; the report's freeze is in the runs"
  echo "cold = by hand, stop -> RUNNING on $DST (lxc-stop -k, umount, tar stream of the VM folder, mount, lxc-start)"
  echo "total = the live migration's report (pre-flight to commit, post-copy's pages included); bound = its bytes"
  echo "     (pre-sync, final sync, memory) at the link's nominal ${TB_WAN_MBIT} Mbit/s"
  echo "Mbit/s = the pre-sync's bytes over its time (the rootfs image's snapshot, sent while the container runs)"
  runs_and_command
)
publish "$out" "$TXT" "$TSV"
