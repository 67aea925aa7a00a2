#!/usr/bin/env bash
# Migration strategies measured in the stock-kernel guest (issue 16, item 5): pre-copy, hybrid, streamed,
# post-copy and the baseline stop-and-copy, in the same guest and the same run, one run per cell.
#
#   bash bench/guest-strategies.sh [--strategies LIST] [--dirty LIST] [MEMORY_MIB]
#
#   MEMORY_MIB    the writer's memory, default 256
#   --strategies  default "stop-and-copy pre-copy hybrid streamed post-copy" (comma or space separated)
#   --dirty       the writer's dirty percentages (of its pages, every 100 ms), default "0 1"
#   --attempts N  tries per cell (a failed move is tried again on a fresh container), default 2
#
# Runs src/test/java/io/onehaul/bench/GuestStrategiesBench.java (ONEHAUL_BENCH=guest; skipped without it,
# and excluded from the normal suite by its "bench" tag). Per dirty rate one container on g1 runs
# /writer MIB PCT, deployed fresh on g1 for every move, and moves to g2; see the class for what is recorded.
# Writes bench/results/guest-strategies-<UTC stamp>.tsv (columns as bench/strategies.sh's, raw_s and
# cold_s "-", plus rounds, bytes_per_memory, freeze_ratio, gap_ratio, bytes_ratio, total_ratio and ok;
# ratios are to stop-and-copy of the same dirty rate) and .txt (the table, every run's report line,
# phases and pre-dump notes, this command). Both are rewritten after every move.
# The guest is shared: it is brought up only when `guest.sh status` shows none, never taken down.
# Root; needs QEMU (testbed/install-deps.sh) and gcc.
set -euo pipefail
cd "$(dirname "$0")/.."
CMDLINE="bash bench/guest-strategies.sh$(for a in "$@"; do if [[ "$a" =~ ^[A-Za-z0-9_./,=:+-]+$ ]]; then printf ' %s' "$a"; else printf " '%s'" "${a//\'/\'\\\'\'}"; fi; done)"

usage() { sed -n '5,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
words() { echo "$*" | tr ',' ' ' | xargs; }

STRATEGIES="stop-and-copy pre-copy hybrid streamed post-copy"; DIRTY="0 1"; MIB=256; ATTEMPTS=2
while [ $# -gt 0 ]; do
  case "$1" in
    --strategies) [ $# -ge 2 ] || usage; STRATEGIES=$(words "$2"); shift 2 ;;
    --strategies=*) STRATEGIES=$(words "${1#*=}"); shift ;;
    --dirty) [ $# -ge 2 ] || usage; DIRTY=$(words "$2"); shift 2 ;;
    --dirty=*) DIRTY=$(words "${1#*=}"); shift ;;
    --attempts) [ $# -ge 2 ] || usage; ATTEMPTS=$2; shift 2 ;;
    --attempts=*) ATTEMPTS=${1#*=}; shift ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) [[ "$1" =~ ^[0-9]+$ ]] || usage; MIB=$1; shift ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "guest-strategies.sh: needs root (the guest's bridge and hosts)" >&2; exit 1; }

# status captured first: grep -q ending early would fail the pipeline (pipefail) on a running guest
GUEST_STATUS=$(bash testbed/guest.sh status 2>/dev/null || true)
if ! grep -q '^guest ' <<< "$GUEST_STATUS"; then
  echo "guest-strategies.sh: no guest running: bringing it up" >&2
  bash testbed/guest.sh up
fi

STAMP=$(date -u +%Y%m%d-%H%M)
OUT=$PWD/bench/results/guest-strategies-$STAMP
mkdir -p bench/results
rc=0
ONEHAUL_BENCH=guest ONEHAUL_BENCH_MIB=$MIB ONEHAUL_BENCH_DIRTY=$DIRTY ONEHAUL_BENCH_STRATEGIES=$STRATEGIES \
  ONEHAUL_BENCH_OUT=$OUT ONEHAUL_BENCH_CMD=$CMDLINE ONEHAUL_BENCH_ATTEMPTS=$ATTEMPTS \
  mvn -B -q --no-transfer-progress test -Dtest=GuestStrategiesBench -Dsurefire.excludedGroups= \
    -Dsurefire.failIfNoSpecifiedTests=false || rc=$?
if [ -f "$OUT.txt" ]; then cat "$OUT.txt"; echo "written: $OUT.tsv $OUT.txt"; fi
exit $rc
