#!/usr/bin/env bash
# Migration strategies benchmark (issue 8): strategies x memory x workload x link, median of RUNS.
#
#   bash bench/strategies.sh [--strategies LIST] [--workloads LIST] [--links LIST] [--dirty PCT]
#                            [--image MIB] [--disk-mib N] [--privileges LIST] [RUNS] [MEMORY_MIB...]
#
#   RUNS          default 3                     MEMORY_MIB   default 64 256 1024 (touched by /writer)
#   --strategies  default "stop-and-copy streamed post-copy" (comma or space separated; any name
#                 lxc_live knows: stop-and-copy, streamed, post-copy, pre-copy, hybrid)
#   --workloads   default "idle writer": /writer MIB 0 (verifies every page every 100 ms, writes
#                 nothing) or /writer MIB PCT (also rewrites PCT % of the pages every 100 ms)
#   --dirty PCT   the writer's dirty share, default 5
#   --links       default "loopback tbf100": the test bed unshaped, or `testbed.sh link hN tbf N`
#                 on h1 and h2 (tbfN = N Mbit/s both ways; cleared again at the end, also on abort)
#   --image MIB   the rootfs image's size, default 1024 (it always holds 900 MiB of data)
#   --disk-mib N  the writer also rewrites a 256 KiB block of an N MiB file on the rootfs every
#                 100 ms and verifies the whole file (disk errors count as errors), default 0 (off)
#   --privileges  default "unprivileged" (the driver's default: id-mapped); "unprivileged privileged"
#                 also runs every case with LXC_UNPRIVILEGED = "no" (onehaul.conf allowing it) and
#                 prints each privileged freeze against the unprivileged one of the same case
#
# Per (link, memory, workload, run) one container (1 GiB ext4 rootfs image holding 900 MiB of data,
# as bench/migration.sh builds it; VM ids 800-899) runs /writer. Then:
#   (a) for each strategy: warm the host's memory up, reset the writer's gap, live-migrate the
#       container to the other host through the lxc_live and onehaul TM shims as oned does, with
#       USER_TEMPLATE/ONEHAUL_MIGRATION_STRATEGIES = that strategy; record the report's
#       freezeSeconds, totalSeconds, the sum of its phases' bytes, and from /workload.stat on the
#       destination the writer's largest heartbeat gap and the new memory errors. A run fails (and is
#       kept, with its reason) if the driver fails, runs another strategy than asked, or the writer
#       does not go on; the container is then re-deployed for what follows.
#   (b) raw stop-and-copy by hand of the same container over the same link, (c) cold move by hand,
#       as bench/migration.sh does them (see the notes printed with the table).
# Prints the table and writes bench/results/strategies-<UTC stamp>.tsv (medians; columns strategy,
# memory_mib, workload, link, privilege, freeze_s, workload_gap_s, total_s, bytes, integrity_errors, raw_s,
# cold_s) and .txt (the table, every run, the command line). Root; the test bed must be up or absent
# (then it is brought up); a bed shared with other tests is used as it is, never taken down.
# Time: `bash bench/strategies.sh 1 64` (stop-and-copy only, both links and workloads) took 12 min; the
# defaults take an estimated 4 h on 2 cores, ~85 % of it on tbf100 (every move copies the 1 GiB rootfs image
# once more at 100 Mbit/s: ~90 s). Each step is bounded (a live migration: 240 s + the time to move
# rootfs and 2x memory at half the link rate), so a hanging strategy costs at most that per run.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
# The command line as typed, quoted only where a shell needs it.
CMDLINE="bash bench/strategies.sh$(for a in "$@"; do if [[ "$a" =~ ^[A-Za-z0-9_./,=:+-]+$ ]]; then printf ' %s' "$a"; else printf " '%s'" "${a//\'/\'\\\'\'}"; fi; done)"

die() { echo "strategies.sh: $*" >&2; exit 1; }
usage() { sed -n '4,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
words() { echo "$*" | tr ',' ' ' | xargs; }

STRATEGIES="stop-and-copy streamed post-copy"; WORKLOADS="idle writer"; LINKS="loopback tbf100"; DIRTY=5
IMAGE_MIB=1024; DISK_MIB=0; PRIVILEGES=unprivileged
POS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --strategies) [ $# -ge 2 ] || usage; STRATEGIES=$(words "$2"); shift 2 ;;
    --strategies=*) STRATEGIES=$(words "${1#*=}"); shift ;;
    --workloads) [ $# -ge 2 ] || usage; WORKLOADS=$(words "$2"); shift 2 ;;
    --workloads=*) WORKLOADS=$(words "${1#*=}"); shift ;;
    --links) [ $# -ge 2 ] || usage; LINKS=$(words "$2"); shift 2 ;;
    --links=*) LINKS=$(words "${1#*=}"); shift ;;
    --dirty) [ $# -ge 2 ] || usage; DIRTY=$2; shift 2 ;;
    --dirty=*) DIRTY=${1#*=}; shift ;;
    --image) [ $# -ge 2 ] || usage; IMAGE_MIB=$2; shift 2 ;;
    --image=*) IMAGE_MIB=${1#*=}; shift ;;
    --disk-mib) [ $# -ge 2 ] || usage; DISK_MIB=$2; shift 2 ;;
    --disk-mib=*) DISK_MIB=${1#*=}; shift ;;
    --privileges) [ $# -ge 2 ] || usage; PRIVILEGES=$(words "$2"); shift 2 ;;
    --privileges=*) PRIVILEGES=$(words "${1#*=}"); shift ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) POS+=("$1"); shift ;;
  esac
done
RUNS=${POS[0]:-3}
SIZES=("${POS[@]:1}"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(64 256 1024)
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number"
for m in "${SIZES[@]}"; do [[ "$m" =~ ^[1-9][0-9]*$ ]] && [ "$m" -le 4096 ] || die "MEMORY_MIB must be 1..4096: $m"; done
[[ "$DIRTY" =~ ^[0-9]+$ ]] && [ "$DIRTY" -ge 1 ] && [ "$DIRTY" -le 100 ] || die "--dirty must be 1..100"
[[ "$IMAGE_MIB" =~ ^[0-9]+$ ]] && [ "$IMAGE_MIB" -ge 1024 ] && [ "$IMAGE_MIB" -le 16384 ] || die "--image must be 1024..16384 (MiB)"
[[ "$DISK_MIB" =~ ^[0-9]+$ ]] && [ "$DISK_MIB" -le 256 ] || die "--disk-mib must be 0..256"
for s in $STRATEGIES; do [[ "$s" =~ ^[a-z0-9-]+$ ]] || die "bad strategy name: $s"; done
for w in $WORKLOADS; do case "$w" in idle|writer) ;; *) die "workloads are idle and writer, not $w" ;; esac; done
for l in $LINKS; do [[ "$l" =~ ^(loopback|tbf[1-9][0-9]*)$ ]] || die "links are loopback and tbfN (N Mbit/s), not $l"; done
for p in $PRIVILEGES; do case "$p" in unprivileged|privileged) ;; *) die "privileges are unprivileged and privileged, not $p" ;; esac; done
[ -n "$STRATEGIES" ] && [ -n "$WORKLOADS" ] && [ -n "$LINKS" ] && [ -n "$PRIVILEGES" ] || usage
[ "$(id -u)" = 0 ] || die "run as root (namespaces, LXC, CRIU)"

FE=/var/tmp/onehaul-strategies
TB="bash $REPO/testbed/testbed.sh"
TB_ENV=${ONEHAUL_TESTBED_DIR:-/var/lib/onehaul-testbed}/env.sh
STAMP=$(date -u +%Y%m%d-%H%M)
VMID_FIRST=800; VMID_LAST=899

# One run of this bench at a time (fixed VM ids and front-end folder).
exec 8>/run/onehaul-strategies.lock
flock -n 8 || die "another bench/strategies.sh is running"

[ -f target/onehaul.jar ] || mvn -B -q --no-transfer-progress package -DskipTests || die "build failed"
# The test bed may be shared with other tests: never tear it down; bring it up only if it is absent.
if [ ! -f "$TB_ENV" ]; then $TB up 2 >/dev/null || die "testbed up failed"; fi
. "$TB_ENV"
for h in h1 h2; do case " $TB_HOSTS " in *" $h "*) ;; *) die "the test bed has no $h ($TB_HOSTS)" ;; esac; done
for h in h1 h2; do $TB exec $h -- true 2>/dev/null || die "test bed host $h is not usable (see testbed.sh status)"; done
. scripts/lib/frontend.sh
. bench/lib/vmxml-extra.sh
. bench/lib/strategies-lib.sh
JAR_INFO="jar $(date -u -r target/onehaul.jar +%Y-%m-%dT%H:%MZ), HEAD $(git rev-parse --short HEAD 2>/dev/null || echo ?)$(git diff --quiet HEAD -- src 2>/dev/null || echo ' (src has uncommitted changes)')"
fe_install      # copies target/onehaul.jar: later rebuilds do not change this run
case " $PRIVILEGES " in *" privileged "*) echo "container.allow_privileged = true" >> "$ONEHAUL_CONF" ;; esac
export REPO FE VMM TMR ONEHAUL_CONF DISK_MIB
export BENCH_NIC_BY_VMID=yes     # each bench VM its own NIC address and MAC (bench/lib/vmxml-extra.sh)
mkdir -p "$FE/logs"

trap 'bench_cleanup' EXIT
trap 'exit 130' INT TERM

echo "building the workload image ($IMAGE_MIB MiB ext4, 900 MiB data, /writer)" >&2
IMG=$FE/rootfs-${IMAGE_MIB}m.ext4
gcc -O2 -static -o "$FE/memhog" bench/src/memhog.c || die "memhog does not build"
gcc -O2 -static -pthread -o "$FE/writer" bench/src/writer.c 2>/dev/null || die "writer does not build"
keep_memory_hot
$TB image-ext4 "$IMG" "$IMAGE_MIB" >/dev/null || die "image-ext4 failed"
mkdir -p "$FE/mnt"; mount -o loop "$IMG" "$FE/mnt" || die "cannot mount $IMG"
cp "$FE/writer" "$FE/mnt/writer" && head -c 900M /dev/urandom > "$FE/mnt/data.bin"; rc=$?
umount "$FE/mnt"; [ $rc -eq 0 ] || die "cannot fill $IMG"
for h in h1 h2; do on $h "echo mntns-compat-mode > $CRIU_RESTORE_CONF"; done

declare -A AF AG AT AB AE AOK AN RB RC RBN RCN
DETAILS=()
note() { DETAILS+=("$*"); echo "  $*" >&2; }

for link in $LINKS; do
  set_link "$link" || die "cannot shape the link ($link)"
  for mem in "${SIZES[@]}"; do
    # Test-bed artifact (bench/migration.sh): hosts share one cgroup tree and a restored container
    # joins the cgroup of its source, held frozen during a live migration: room for both copies.
    export VM_MEMORY_MB=$((2 * mem + 512))
    for wl in $WORKLOADS; do
      pct=0; [ "$wl" = writer ] && pct=$DIRTY
      for run in $(seq 1 "$RUNS"); do
      # Both privileges in each run, the first one alternating: the machine's drift over a run (seen:
      # every phase of a bench's first move ~2x slower) falls on each alike.
      order=$PRIVILEGES; [ $((run % 2)) = 0 ] && order=$(echo $PRIVILEGES | tr ' ' '\n' | tac | xargs)
      for priv in $order; do
        export BENCH_PRIVILEGE_XML=""
        [ "$priv" = privileged ] && BENCH_PRIVILEGE_XML='<LXC_UNPRIVILEGED><![CDATA[no]]></LXC_UNPRIVILEGED>'
        mkey="$mem|$wl|$link|$priv"
        vmid=$(next_vmid); where=""
        echo "== link $link, $priv, ${mem} MiB, $wl, run $run/$RUNS (vm $vmid)" >&2
        if ! deploy_workload "$vmid" h1 "$mem" "$pct"; then
          note "$link $priv ${mem}MiB $wl run $run: deploy failed: $LAST_ERR (all strategies and baselines of this run skipped)"
          for s in $STRATEGIES; do AN["$s|$mkey"]=$(( ${AN["$s|$mkey"]:-0} + 1 )); done
          RBN[$mkey]=$(( ${RBN[$mkey]:-0} + 1 )); RCN[$mkey]=$(( ${RCN[$mkey]:-0} + 1 ))
          scrub "$vmid"; continue
        fi
        where=h1
        for strat in $STRATEGIES; do
          key="$strat|$mkey"; AN[$key]=$(( ${AN[$key]:-0} + 1 ))
          if ! workload_alive "$vmid" "$where"; then
            echo "   container not running with its workload on $where: deploying it again" >&2
            scrub "$vmid"; where=""
            deploy_workload "$vmid" h1 "$mem" "$pct" && where=h1 || {
              note "$link $priv ${mem}MiB $wl run $run $strat: FAILED: re-deploy failed: $LAST_ERR"; continue; }
          fi
          live_run "$vmid" "$where" "$(other "$where")" "$strat" "$mem"
          where=$LIVE_WHERE
          if [ "$LIVE_OK" = yes ]; then
            AF[$key]+="$LIVE_FREEZE "; AG[$key]+="$LIVE_GAP "; AT[$key]+="$LIVE_TOTAL "; AB[$key]+="$LIVE_BYTES "
            AE[$key]=$(( ${AE[$key]:-0} + LIVE_ERRORS )); AOK[$key]=$(( ${AOK[$key]:-0} + 1 ))
            note "$link $priv ${mem}MiB $wl run $run $strat: freeze $LIVE_FREEZE s, gap $LIVE_GAP s, total $LIVE_TOTAL s, $LIVE_BYTES bytes, errors $LIVE_ERRORS ($LIVE_FROM->$LIVE_TO); phases: $LIVE_PHASES"
          else
            note "$link $priv ${mem}MiB $wl run $run $strat: FAILED ($LIVE_FROM->$LIVE_TO): $LIVE_REASON"
          fi
        done

        # (b) raw stop-and-copy and (c) cold move by hand, same container, same link.
        RBN[$mkey]=$(( ${RBN[$mkey]:-0} + 1 )); RCN[$mkey]=$(( ${RCN[$mkey]:-0} + 1 ))
        if [ -z "$where" ] || ! workload_alive "$vmid" "$where"; then
          echo "   container not running with its workload: deploying it again for (b) and (c)" >&2
          scrub "$vmid"; where=""
          deploy_workload "$vmid" h1 "$mem" "$pct" && where=h1
        fi
        if [ -n "$where" ] && raw_move "$vmid" "$where" "$(other "$where")" "$mem"; then
          RB[$mkey]+="$RAW_S "; where=$(other "$where")
          note "$link $priv ${mem}MiB $wl run $run raw: $RAW_S s ($RAW_PHASES)"
        else
          note "$link $priv ${mem}MiB $wl run $run raw: FAILED: ${LAST_ERR:-no container}"
          where=$(running_on "$vmid")
        fi
        if [ -z "$where" ]; then scrub "$vmid"; deploy_workload "$vmid" h1 "$mem" "$pct" && where=h1; fi
        if [ -n "$where" ] && cold_move "$vmid" "$where" "$(other "$where")" "$mem"; then
          RC[$mkey]+="$COLD_S "
          note "$link $priv ${mem}MiB $wl run $run cold: $COLD_S s"
        else
          note "$link $priv ${mem}MiB $wl run $run cold: FAILED: ${LAST_ERR:-no container}"
        fi
        scrub "$vmid"
      done
      done
    done
  done
done
set_link loopback >/dev/null 2>&1

# ---- tables
TSV=bench/results/strategies-$STAMP.tsv; TXT=bench/results/strategies-$STAMP.txt
mkdir -p bench/results
{
  printf 'strategy\tmemory_mib\tworkload\tlink\tprivilege\tfreeze_s\tworkload_gap_s\ttotal_s\tbytes\tintegrity_errors\traw_s\tcold_s\n'
  for link in $LINKS; do for priv in $PRIVILEGES; do for mem in "${SIZES[@]}"; do for wl in $WORKLOADS; do for strat in $STRATEGIES; do
    mkey="$mem|$wl|$link|$priv"; key="$strat|$mkey"
    raw=$(med_or_failed "${RB[$mkey]:-}"); cold=$(med_or_failed "${RC[$mkey]:-}")
    if [ "${AOK[$key]:-0}" -gt 0 ]; then
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$strat" "$mem" "$wl" "$link" "$priv" "$(med ${AF[$key]})" \
        "$(med ${AG[$key]})" "$(med ${AT[$key]})" "$(med ${AB[$key]} | cut -d. -f1)" "${AE[$key]:-0}" "$raw" "$cold"
    else
      printf '%s\t%s\t%s\t%s\t%s\tfailed\tfailed\tfailed\tfailed\tfailed\t%s\t%s\n' "$strat" "$mem" "$wl" "$link" "$priv" "$raw" "$cold"
    fi
  done; done; done; done; done
} > "$TSV"

out=$(
  echo "Migration strategies on the test bed (h1 <-> h2), $(date -u +%Y-%m-%dT%H:%MZ), median of $RUNS run(s), seconds"
  echo "rootfs: $IMAGE_MIB MiB ext4 image (900 MiB data) on the hosts' XFS datastores; workload: /writer MIB PCT (idle = 0 %, writer = $DIRTY % of pages rewritten every 100 ms, every page verified every 100 ms)"
  if [ "$DISK_MIB" -gt 0 ]; then echo "disk writer: every 100 ms a 256 KiB block of a $DISK_MIB MiB file on the rootfs rewritten (cycling), the whole file verified (errors include its blocks)"; fi
  echo "links: loopback = test bed unshaped; tbfN = testbed.sh link h1/h2 tbf N (N Mbit/s both ways, burst 64kb)"
  echo "memory: free page reporting off and free memory touched once for the whole run (bench/lib/strategies-lib.sh keep_memory_hot)"
  echo "$JAR_INFO; load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  printf '%-14s %6s %-6s %-8s %-6s %5s %8s %8s %8s %9s %6s %8s %8s %9s %10s %12s %10s\n' strategy memory wkload link priv ok freeze gap total "MiB" errors "raw" "cold" freeze/raw freeze/cold freeze/unpriv gap/unpriv
  tail -n +2 "$TSV" | while IFS=$'\t' read -r s m w l p f g t b e r c; do
    key="$s|$m|$w|$l|$p"
    mib=$(awk -v b="$b" 'BEGIN { if (b ~ /^[0-9]+$/) printf "%.1f", b / 1048576; else print b }')
    # the same case unprivileged (the driver's default), measured in this run
    uf=$(awk -F'\t' -v s="$s" -v m="$m" -v w="$w" -v l="$l" '$1 == s && $2 == m && $3 == w && $4 == l && $5 == "unprivileged" { print $6 " " $7 }' "$TSV")
    printf '%-14s %6s %-6s %-8s %-6s %5s %8s %8s %8s %9s %6s %8s %8s %9s %10s %12s %10s\n' "$s" "${m}MiB" "$w" "$l" "$([ "$p" = privileged ] && echo priv || echo unpriv)" "${AOK[$key]:-0}/${AN[$key]:-0}" \
      "$f" "$g" "$t" "$mib" "$e" "$r" "$c" "$(ratio "$f" "$r")" "$(ratio "$f" "$c")" "$(ratio "$f" "${uf% *}")" "$(ratio "$g" "${uf#* }")"
  done
  echo
  echo "priv = unpriv (the driver's default id map: root is 600100001 on the host) or priv (LXC_UNPRIVILEGED = no);"
  echo "     freeze/unpriv and gap/unpriv: this row against the same case unprivileged, in this run."
  echo "ok = runs that succeeded / runs; medians over the successful runs; errors = memory pages the writer found"
  echo "     wrong after the move, summed over the successful runs (must be 0)."
  echo "freeze = lxc_live report's freezeSeconds (dump start on the source's clock -> restore confirmed on the"
  echo "     destination's); gap = the writer's largest heartbeat gap (10 ms beats, CLOCK_REALTIME) from just"
  echo "     before the migration to >= 2 verification rounds after it; total = the report's totalSeconds;"
  echo "     MiB = sum of the report's phase bytes. Before each (a) the front-end touches and frees 2x the"
  echo "     container's memory (these VMs hand out never-touched pages slowly; bench/migration.sh)."
  echo "raw = by hand: rootfs pre-copied and container defined (not timed); then lxc-checkpoint -s, sync, rsync"
  echo "     of the rootfs delta and of the images to the other host, mount, lxc-checkpoint -r (host clocks)."
  echo "     Unlike bench/migration.sh the images go to /var/tmp/one (a per-host folder): /var/tmp is shared by"
  echo "     the test-bed hosts, so there the images never crossed the (shaped) link."
  echo "cold = by hand: lxc-stop -k, umount, full rsync of the VM folder, mount, lxc-start until RUNNING."
  echo "(a) alternates direction (h1->h2, h2->h1, ...) per strategy; (b) and (c) follow from where (a) left it."
  echo "The container: examples/counter-vm.xml with VM_MEMORY_MB = 2 x memory + 512 (both copies share the test"
  echo "     bed's cgroup during a held migration) and a NIC address of its own (10.232.8.x); VM ids 800-899."
  runs_and_command
)
publish "$out" "$TXT" "$TSV"
