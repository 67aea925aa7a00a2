# Helpers of bench/strategies.sh (sourced after scripts/lib/frontend.sh and bench/lib/vmxml-extra.sh).
# Needs: REPO, FE, TB ("bash .../testbed.sh"), IMG (the workload image) when deploying, TB_* (env.sh).
# BENCH_HOSTS: the hosts a bench VM may be on (scrub, running_on), default "h1 h2".
# Every remote step is bounded with `timeout`; every wait loop has a deadline.

CRIU_RESTORE_CONF=/var/tmp/onehaul-bench-restore.conf   # /var/tmp is shared by the test-bed hosts
CUR_RATE=400          # Mbit/s assumed for time limits: 400 unshaped (conservative), N for tbfN
SHAPED=no
CUR_VMID=""
VMID_NEXT=${VMID_FIRST:-800}
LAST_ERR=""

now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
on() { local h=$1; shift; $TB exec "$h" -- sh -c "$*"; }
on_t() { local t=$1 h=$2; shift 2; timeout -k 10 "$t" $TB exec "$h" -- sh -c "$*"; }
other() { [ "$1" = h1 ] && echo h2 || echo h1; }
med() { # values...: the median (3 decimals), nothing for no values
  [ $# -gt 0 ] || return 0
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
med_or_failed() { if [ -n "$(echo $1)" ]; then med $1; else echo failed; fi; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else print "-" }'; }
last_line() { grep -v '^[[:space:]]*$' "$1" 2>/dev/null | tail -n 1 | cut -c1-250; }
field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' <<< "$2"; }

# The end of a bench's report: every run (DETAILS), then the command line (CMDLINE).
runs_and_command() {
  echo
  echo "runs:"
  for d in "${DETAILS[@]}"; do echo "  $d"; done
  echo
  echo "command: $CMDLINE"
}

publish() { # report txt tsv: prints the report and keeps it beside its table
  echo "$1"
  echo "$1" > "$2"
  echo "results: $3 $2" >&2
}

next_vmid() {
  local v=$VMID_NEXT
  VMID_NEXT=$(( v >= ${VMID_LAST:-899} ? ${VMID_FIRST:-800} : v + 1 ))
  CUR_VMID=$v
  echo "$v"
}

# time limit for one move of the container over the current link: rootfs (900 MiB) + 2x memory at
# half the link's rate, plus 4 minutes for dump, restore and a loaded machine
move_timeout() { echo $(( 240 + (900 + 2 * $1) * 16 / CUR_RATE )); }

set_link() { # loopback | tbfN: shape (or un-shape) h1's and h2's links
  local h
  case "$1" in
    loopback) for h in h1 h2; do $TB link "$h" clear || return 1; done; CUR_RATE=400; SHAPED=no ;;
    tbf*) SHAPED=yes; for h in h1 h2; do $TB link "$h" tbf "${1#tbf}" || return 1; done; CUR_RATE=${1#tbf} ;;
    *) return 1 ;;
  esac
}

clean_host() { # vmid host: no container, mounts, folder or raw images of vmid left on host
  on_t 90 "$2" "lxc-stop -k -n one-$1 >/dev/null 2>&1; awk -v p=$(sysdir "$1")/ 'index(\$2,p)==1 {print \$2}' /proc/mounts | sort -r | while read -r m; do umount -l \"\$m\"; done; rm -rf /var/lib/lxc/one-$1 $(sysdir "$1") /var/tmp/one/raw-$1 /var/tmp/one/raw-$1.config /var/lib/one/datastores/raw-$1" >/dev/null 2>&1
}
# A migration step cut off by `timeout` leaves the driver's remote processes behind (seen: a post-copy
# `criu dump` waiting for its lazy-pages client for ever, holding the container so that lxc-stop hung).
# They all name the VM's folder on their command line; kill exactly those, by pid. (The hosts share
# the machine's pid namespace.)
kill_vm_leftovers() { # vmid
  local p cmd path pids=()
  path="$(sysdir "$1")/"
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = $$ ] && continue
    cmd=$(tr '\0' ' ' 2>/dev/null < "$p/cmdline") || continue
    case "$cmd" in *"$path"*) pids+=("${p#/proc/}") ;; esac
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  echo "   killing ${#pids[@]} leftover process(es) of vm $1: ${pids[*]}" >&2
  kill -KILL "${pids[@]}" 2>/dev/null
  sleep 0.5
  return 0
}

scrub() { # vmid: as bench/migration.sh's scrub, plus leftovers of cut-off steps and the empty cgroups LXC leaves behind
  local cg h
  kill_vm_leftovers "$1"
  for h in ${BENCH_HOSTS:-h1 h2}; do clean_host "$1" "$h"; done
  rm -rf "$FE/vms/$1" /var/tmp/raw-"$1" /var/tmp/raw-"$1".config
  for cg in /sys/fs/cgroup/*/lxc.monitor.one-"$1" /sys/fs/cgroup/*/lxc.monitor.one-"$1"-[0-9]* \
            /sys/fs/cgroup/*/lxc.payload.one-"$1" /sys/fs/cgroup/*/lxc.payload.one-"$1"-[0-9]*; do
    [ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  return 0
}

bench_cleanup() {
  [ -n "$CUR_VMID" ] && scrub "$CUR_VMID"
  keep_memory_hot_end
  if [ "$SHAPED" = yes ]; then set_link loopback >/dev/null 2>&1 && echo "strategies.sh: links of h1 and h2 cleared" >&2; fi
}

# ---- the workload
stat_of() { on_t 15 "$2" "cat $(sysdir "$1")/mapper/disk.0/workload.stat 2>/dev/null"; }
running_on() { # vmid: the host where the container is RUNNING, if any
  local h
  for h in ${BENCH_HOSTS:-h1 h2}; do
    [ "$(on_t 15 $h "lxc-info -n one-$1 -s -H 2>/dev/null")" = RUNNING ] && { echo $h; return 0; }
  done
  return 0
}
workload_alive() { # vmid host: the writer beat less than 3 s ago on host
  [ -n "$2" ] || return 1
  local lb
  lb=$(field lastbeat "$(stat_of "$1" "$2")")
  [ -n "$lb" ] && awk -v a="$lb" -v n="$(now)" 'BEGIN { exit !(n - a < 3) }'
}

deploy_workload() { # vmid host mem pct: deploy the container with lxc_live and start /writer MEM PCT in it
  local vmid=$1 h=$2 mem=$3 pct=$4 deadline line
  LAST_ERR=""
  scrub "$vmid"
  place_root_disk "$vmid" "$h" "$IMG" || { LAST_ERR="root disk not placed on $h"; return 1; }
  mkdir -p "$FE/vms/$vmid"
  if ! BENCH_USER_TEMPLATE_EXTRA='' vmm_call deploy "$(BENCH_USER_TEMPLATE_EXTRA='' vm_xml "$vmid" "$h" "")" "$vmid" "$h" \
        "/var/lib/one/vms/$vmid/deployment.0" "$h" > "$FE/logs/deploy-$vmid.log" 2>&1; then
    LAST_ERR="lxc_live deploy: $(grep -v '^\s*$' "$FE/logs/deploy-$vmid.log" | tail -n 1 | cut -c1-300)"; return 1
  fi
  on_t 30 "$h" "lxc-attach -n one-$vmid -- /bin/sh -c 'WRITER_DISK_MIB=${DISK_MIB:-0} WRITER_ON_DEMAND=${WRITER_ON_DEMAND:-0} setsid /writer $mem $pct </dev/null >/dev/null 2>&1 &'" \
    || { LAST_ERR="lxc-attach (starting /writer) failed"; return 1; }
  deadline=$(( $(date +%s) + 40 + mem / 8 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    line=$(stat_of "$vmid" "$h")
    [ "$(field ready "$line")" = 1 ] && return 0
    sleep 0.5
  done
  LAST_ERR="/writer not ready after $(( 40 + mem / 8 )) s (status: ${line:-none})"; return 1
}

reset_gap() { # vmid host: SIGHUP = the writer forgets its largest gap so far
  on_t 20 "$2" "lxc-attach -n one-$1 -- /bin/sh -c 'kill -HUP \$(pidof writer)'" >/dev/null 2>&1
  sleep 0.3
}

# Test-bed artifact, measured (2026-11-29): this machine is a VM whose balloon driver reports freed memory
# to the hypervisor within seconds (free page reporting, 2 MiB blocks), and touching such memory again
# costs ~2 s per GiB (8 GiB: 2.9 s while hot, 15.9 s after 20 s idle). A held live migration needs
# more memory at once than the raw stop-and-copy (the source's copy stays until the destination runs), so
# it would pay that toll where the raw one reuses the pages its killed source just freed. For the
# bench's duration no free memory is reported (page_reporting_order above the largest order; the old
# value is put back at exit) and all free memory is touched once, so (a), (b) and (c) all find it hot.
PAGE_REPORTING=/sys/module/page_reporting/parameters/page_reporting_order
keep_memory_hot() {
  local avail
  if [ -w "$PAGE_REPORTING" ]; then
    PAGE_REPORTING_WAS=$(cat "$PAGE_REPORTING"); echo 11 > "$PAGE_REPORTING"
    echo "free page reporting off for the bench (page_reporting_order $PAGE_REPORTING_WAS -> 11)" >&2
  fi
  avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
  echo "touching $((avail - 2048)) MiB of free memory once" >&2
  timeout 300 python3 -c "import sys; x = b'\\1' * ($((avail - 2048)) << 20)" || true
}
keep_memory_hot_end() {
  if [ -n "${PAGE_REPORTING_WAS:-}" ]; then echo "$PAGE_REPORTING_WAS" > "$PAGE_REPORTING"; PAGE_REPORTING_WAS=""; fi
}

warm_up() { # mem: touch and free 2x the container's memory on the front-end (bench/migration.sh)
  timeout $((6 + $1 / 100)) "$FE/memhog" $((2 * $1 + 256)) >/dev/null 2>&1 || true
}

# Prints the status line once the writer has beaten after SINCE (epoch) on HOST and then finished two
# more verification rounds (so at least one whole round ran after the move); 1 if that never came.
# A writer started with WRITER_ON_DEMAND=1 is asked for each round (SIGALRM).
settle_stat() { # vmid host since mem
  local deadline=$(( $(date +%s) + 30 + $4 / 16 )) line="" lb r r1=""
  while [ "$(date +%s)" -lt "$deadline" ]; do
    line=$(stat_of "$1" "$2"); lb=$(field lastbeat "$line"); r=$(field rounds "$line")
    if [ -n "$lb" ] && [ -n "$r" ] && awk -v a="$lb" -v b="$3" 'BEGIN { exit !(a > b) }'; then
      [ -n "$r1" ] || r1=$r
      [ "$r" -ge $((r1 + 2)) ] && { echo "$line"; return 0; }
      if [ "${WRITER_ON_DEMAND:-0}" = 1 ]; then
        on_t 20 "$2" "lxc-attach -n one-$1 -- /bin/sh -c 'kill -ALRM \$(pidof writer)'" >/dev/null 2>&1
      fi
    fi
    sleep 0.2
  done
  echo "$line"; return 1
}

report_count() { [ -f "$FE/onehaul-migrations.jsonl" ] && wc -l < "$FE/onehaul-migrations.jsonl" || echo 0; }

# (a) one live migration with one strategy. Sets LIVE_OK (yes/no), LIVE_REASON, LIVE_WHERE (where
# the container runs afterwards, empty if nowhere), LIVE_FREEZE, LIVE_GAP, LIVE_TOTAL, LIVE_BYTES,
# LIVE_ERRORS, LIVE_FROM, LIVE_TO.
live_run() { # vmid src dst strategy mem
  local vmid=$1 src=$2 dst=$3 strat=$4 mem=$5 log n0 rc e0 r0 before t_end line after tmo
  local r_result="" r_strategy="" r_freeze="" r_total="" r_bytes="" r_reason="" r_sreason=""
  LIVE_OK=no; LIVE_FROM=$src; LIVE_TO=$dst; LIVE_WHERE=$src; LIVE_REASON=""
  LIVE_FREEZE=""; LIVE_GAP=""; LIVE_TOTAL=""; LIVE_BYTES=""; LIVE_ERRORS=0; LIVE_PHASES=""
  warm_up "$mem"
  reset_gap "$vmid" "$src"
  before=$(stat_of "$vmid" "$src"); e0=$(field errors "$before"); r0=$(field rounds "$before")
  log=$FE/logs/a-$vmid-$strat-$(date +%s).log
  n0=$(report_count); tmo=$(move_timeout "$mem")
  BENCH_USER_TEMPLATE_EXTRA=$(strategy_xml "$strat") timeout -k 20 "$tmo" \
    bash "$REPO/bench/lib/live-migrate.sh" "$vmid" "$src" "$dst" > "$log" 2>&1
  rc=$?
  t_end=$(now)
  if [ "$(report_count)" -gt "$n0" ]; then
    line=$(last_report)
    { IFS=$'\t' read -r r_result r_strategy r_freeze r_total r_bytes; IFS= read -r r_reason; IFS= read -r r_sreason;
      IFS= read -r LIVE_PHASES; } < <(
      python3 -c '
import json, sys
r = json.loads(sys.argv[1])
f = r.get("freezeSeconds")
print("\t".join([str(r.get("result", "")), str(r.get("strategy", "")), "%.3f" % f if f is not None else "-",
                 "%.3f" % r.get("totalSeconds", 0), str(sum((p.get("bytes") or 0) for p in r.get("phases", [])))]))
print(" ".join(str(r.get("reason") or "").split()))
print(" ".join(str(r.get("strategyReason") or "").split()))
print(" ".join("%s %.2f" % (p["phase"], p["ms"] / 1000) for p in r.get("phases", [])))' "$line")
  fi
  if [ $rc -ne 0 ]; then
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then LIVE_REASON="timed out after $tmo s"; kill_vm_leftovers "$vmid"
    elif [ -n "$r_reason" ]; then LIVE_REASON="${r_result:-failed}: $r_reason"
    else LIVE_REASON="exit $rc: $(grep -v '^\s*$' "$log" | tail -n 1 | cut -c1-300)"; fi
    case "$r_strategy" in ""|"?"|"$strat") ;; *) LIVE_REASON+=" (driver chose $r_strategy)" ;; esac
    LIVE_WHERE=$(running_on "$vmid")
    return
  fi
  LIVE_WHERE=$dst
  if [ -z "$r_result" ]; then LIVE_REASON="driver exited 0 but wrote no report"; return; fi
  if [ "$r_result" != success ]; then LIVE_REASON="report says $r_result: $r_reason"; return; fi
  if [ "$r_strategy" != "$strat" ]; then
    LIVE_REASON="driver ran $r_strategy, not $strat (freeze $r_freeze s; its reason: ${r_sreason:-none})"; return
  fi
  if ! after=$(settle_stat "$vmid" "$dst" "$t_end" "$mem"); then
    LIVE_REASON="the writer did not go on on $dst after the move (status: ${after:-none})"; return
  fi
  LIVE_FREEZE=$r_freeze; LIVE_TOTAL=$r_total; LIVE_BYTES=$r_bytes
  LIVE_GAP=$(awk -v g="$(field maxgap_ms "$after")" 'BEGIN { printf "%.3f", g / 1000 }')
  LIVE_ERRORS=$(( $(field errors "$after") - ${e0:-0} ))
  # A process brought back from an older state (memory consistent with itself) shows no bad page,
  # but its round counter would be behind the one it wrote before the freeze: count that as an error.
  if [ -n "$r0" ] && [ "$(field rounds "$after")" -le "$r0" ]; then
    LIVE_ERRORS=$((LIVE_ERRORS + 1)); echo "   the writer's round counter went back: $r0 before, $(field rounds "$after") after" >&2
  fi
  LIVE_OK=yes
}

criu_error() { # host logfile: CRIU's fatal line (not the harmless RLIMIT_NOFILE one)
  on_t 15 "$1" "grep -E 'Error|FAILED' $2 2>/dev/null | grep -v RLIMIT_NOFILE | tail -n 1" 2>/dev/null | cut -c1-250
}

# (b) raw stop-and-copy by hand, as bench/migration.sh does it, but with the images in /var/tmp/one (per
# host) so that they cross the link. Sets RAW_S or LAST_ERR.
raw_move() { # vmid src dst mem
  local vmid=$1 src=$2 dst=$3 S img out t0 t1 T err=$FE/logs/raw-$1.err
  S=$(sysdir "$vmid"); img=${RAW_IMAGES_DIR:-/var/tmp/one}/raw-$vmid; T=$(move_timeout "$4"); LAST_ERR=""; RAW_S=""; RAW_PHASES=""
  clean_host "$vmid" "$dst"
  on_t "$T" "$src" "rsync -aS --inplace --exclude=/mapper $S/ $dst:$S/ && scp -q /var/lib/lxc/one-$vmid/config $dst:$img.config" 2>"$err" \
    || { LAST_ERR="pre-copy to $dst failed: $(last_line "$err")"; return 1; }
  on_t 30 "$dst" "mkdir -p /var/lib/lxc/one-$vmid $S/mapper/disk.0 && cp $img.config /var/lib/lxc/one-$vmid/config" 2>"$err" \
    || { LAST_ERR="defining the container on $dst failed: $(last_line "$err")"; return 1; }
  out=$(on_t "$T" "$src" "date +%s.%N; env $TB_CRIU_ENV lxc-checkpoint -n one-$vmid -s -D $img </dev/null >/dev/null 2>&1 \
      && date +%s.%N && sync && rsync -aS --inplace --exclude=/mapper --exclude=/checkpoint $S/ $dst:$S/ && rsync -a $img/ $dst:$img/ \
      && date +%s.%N && echo copied" 2>"$err")
  t0=$(head -n 1 <<< "$out")
  if [ "$(tail -n 1 <<< "$out")" != copied ]; then
    LAST_ERR="dump or copy on $src failed: $(criu_error "$src" "$img/dump.log") $(last_line "$err")"; return 1
  fi
  if ! t1=$(on_t "$T" "$dst" "mount -o loop $S/disk.0 $S/mapper/disk.0 && env $TB_CRIU_ENV CRIU_CONFIG_FILE=$CRIU_RESTORE_CONF \
      lxc-checkpoint -n one-$vmid -r -D $img </dev/null >/dev/null 2>&1 && date +%s.%N" 2>"$err"); then
    LAST_ERR="restore on $dst failed: $(criu_error "$dst" "$img/restore.log") $(last_line "$err")"; return 1
  fi
  RAW_S=$(sub "$t0" "$t1")
  RAW_PHASES="dump $(sub "$t0" "$(sed -n 2p <<< "$out")") copy $(sub "$(sed -n 2p <<< "$out")" "$(sed -n 3p <<< "$out")") mount+restore $(sub "$(sed -n 3p <<< "$out")" "$t1")"
  on_t 90 "$src" "umount $S/mapper/disk.0; rm -rf /var/lib/lxc/one-$vmid $S $img $img.config" >/dev/null 2>&1
  return 0
}

# (c) cold move by hand, as bench/migration.sh does it. Sets COLD_S or LAST_ERR.
cold_move() { # vmid src dst mem
  local vmid=$1 src=$2 dst=$3 S cfg out t0 t1 T err=$FE/logs/cold-$1.err
  S=$(sysdir "$vmid"); cfg=/var/tmp/one/raw-$vmid.config; T=$(move_timeout "$4"); LAST_ERR=""; COLD_S=""
  clean_host "$vmid" "$dst"     # a full copy: nothing of the VM may already be there
  out=$(on_t "$T" "$src" "date +%s.%N; lxc-stop -k -n one-$vmid >/dev/null && umount $S/mapper/disk.0 && rsync -aS --exclude=/mapper $S/ $dst:$S/ \
      && scp -q /var/lib/lxc/one-$vmid/config $dst:$cfg && echo copied" 2>"$err")
  t0=$(head -n 1 <<< "$out")
  [ "$(tail -n 1 <<< "$out")" = copied ] || { LAST_ERR="stop or copy on $src failed: $(last_line "$err")"; return 1; }
  if ! t1=$(on_t "$T" "$dst" "mkdir -p /var/lib/lxc/one-$vmid $S/mapper/disk.0 && cp $cfg /var/lib/lxc/one-$vmid/config \
      && mount -o loop $S/disk.0 $S/mapper/disk.0 && lxc-start -n one-$vmid </dev/null >/dev/null 2>&1 && lxc-wait -n one-$vmid -s RUNNING -t 30 && date +%s.%N" 2>"$err"); then
    LAST_ERR="start on $dst failed: $(last_line "$err")"; return 1
  fi
  COLD_S=$(sub "$t0" "$t1")
  return 0
}
