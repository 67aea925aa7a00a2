#!/usr/bin/env bash
# Live-migration benchmark (issue 3): on the same container in one run, median of RUNS (default 5),
# for containers whose init holds 16 MiB, 256 MiB and 1 GiB of touched memory and a 1 GiB rootfs:
#   (a) lxc_live migrate freeze time (dump start on the source -> restore confirmed on the destination,
#       host clocks, from the driver's own report), called through the shims as oned does;
#   (b) the same container moved by hand with raw lxc-checkpoint dump + rsync + lxc-checkpoint restore
#       (rootfs pre-copied beforehand, as lxc_live pre-syncs it), timed on the hosts' clocks;
#   (c) a cold migration by hand: lxc-stop, full copy of the VM folder, lxc-start (downtime).
# Prints (a)/(b) and (a)/(c) and keeps the table in bench/results/. Root; the test bed comes up.
# Usage: bash bench/migration.sh [RUNS] [MEMORY_MIB...]
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
RUNS=${1:-5}; shift || true
SIZES=("${@:-16 256 1024}"); [ $# -gt 0 ] || SIZES=(16 256 1024)
FE=/var/tmp/onehaul-bench
TB="bash $REPO/testbed/testbed.sh"

[ -f target/onehaul.jar ] || mvn -B -q --no-transfer-progress package -DskipTests
$TB up 2 >/dev/null
. /var/lib/onehaul-testbed/env.sh
. scripts/lib/frontend.sh
fe_install

# The workload image: the counter rootfs + memhog + 900 MiB of incompressible data, in a 1 GiB ext4 image.
IMG=$FE/rootfs-1g.ext4
gcc -O2 -static -o "$FE/memhog" bench/src/memhog.c
$TB image-ext4 "$IMG" 1024 >/dev/null
mkdir -p "$FE/mnt"; mount -o loop "$IMG" "$FE/mnt"
cp "$FE/memhog" "$FE/mnt/memhog"; head -c 900M /dev/urandom > "$FE/mnt/data.bin"
umount "$FE/mnt"

now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
on() { local h=$1; shift; $TB exec "$h" -- sh -c "$*"; }
scrub() { for h in h1 h2; do on $h "lxc-stop -k -n one-$1 >/dev/null 2>&1; awk -v p=$(sysdir "$1")/ 'index(\$2,p)==1 {print \$2}' /proc/mounts | sort -r | while read -r m; do umount -l \"\$m\"; done; rm -rf /var/lib/lxc/one-$1 $(sysdir "$1") /var/tmp/raw-$1*"; done; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
CRIU_RESTORE_CONF=/var/tmp/onehaul-bench-restore.conf
for h in h1 h2; do on $h "echo mntns-compat-mode > $CRIU_RESTORE_CONF"; done

declare -A A B C
vmid=700
for mem in "${SIZES[@]}"; do
  # Test-bed artifact: the namespaced hosts share one cgroup tree, and a restored container joins the
  # cgroup2 path stored in its images, i.e. the same cgroup as the source held frozen during a live
  # migration (shared notes). Its memory limit must hold both copies, or the restore crawls under
  # reclaim; real hosts have a cgroup tree each.
  export VM_MEMORY_MB=$((2 * mem + 512))
  for run in $(seq 1 "$RUNS"); do
    vmid=$((vmid + 1)); S=$(sysdir $vmid); scrub $vmid
    place_root_disk $vmid h1 "$IMG"
    mkdir -p "$FE/vms/$vmid"
    vmm_call deploy "$(vm_xml $vmid h1 "")" $vmid h1 "/var/lib/one/vms/$vmid/deployment.0" h1 >/dev/null 2>&1
    on h1 "lxc-attach -n one-$vmid -- /bin/sh -c 'setsid /memhog $mem </dev/null >/dev/null 2>&1 &'"
    sleep $((2 + mem / 128))

    # These VMs hand out never-touched memory slowly (shared notes: ~3.4 s per GiB), and whichever
    # method runs first after the container filled its memory pays for it: (a). Touch and free 2x the
    # container's memory on the host first, so (a) starts from recycled pages as (b) and (c) do
    # (they reuse what the previous method freed).
    timeout $((6 + mem / 100)) "$FE/memhog" $((2 * mem + 256)) >/dev/null 2>&1 || true

    # (a) lxc_live, through the shims as oned calls them
    live_migrate $vmid h1 h2 >/dev/null 2>&1 || { echo "lxc_live migrate failed (vm $vmid)" >&2; last_report >&2; exit 1; }
    a=$(last_report | python3 -c 'import json,sys; print("%.3f" % json.load(sys.stdin)["freezeSeconds"])')

    # (b) raw by hand, h2 -> h1: rootfs pre-copied and the container defined first (not timed)
    on h2 "rsync -aS --inplace --exclude=/mapper $S/ h1:$S/ && scp -q /var/lib/lxc/one-$vmid/config h1:/var/tmp/raw-$vmid.config"
    on h1 "mkdir -p /var/lib/lxc/one-$vmid $S/mapper/disk.0 && cp /var/tmp/raw-$vmid.config /var/lib/lxc/one-$vmid/config"
    t0=$(on h2 "date +%s.%N; env $TB_CRIU_ENV lxc-checkpoint -n one-$vmid -s -D /var/tmp/raw-$vmid </dev/null >/dev/null 2>&1 \
        && sync && rsync -aS --inplace --exclude=/mapper --exclude=/checkpoint $S/ h1:$S/ && rsync -a /var/tmp/raw-$vmid/ h1:/var/tmp/raw-$vmid/" | head -n 1)
    t1=$(on h1 "mount -o loop $S/disk.0 $S/mapper/disk.0 && env $TB_CRIU_ENV CRIU_CONFIG_FILE=$CRIU_RESTORE_CONF lxc-checkpoint -n one-$vmid -r -D /var/tmp/raw-$vmid </dev/null >/dev/null 2>&1 && date +%s.%N")
    b=$(sub "$t0" "$t1")
    on h2 "umount $S/mapper/disk.0; rm -rf /var/lib/lxc/one-$vmid $S /var/tmp/raw-$vmid"

    # (c) cold by hand, h1 -> h2: stop, full copy of the folder, start
    t0=$(on h1 "date +%s.%N; lxc-stop -k -n one-$vmid >/dev/null && umount $S/mapper/disk.0 && rsync -aS --exclude=/mapper $S/ h2:$S/ \
        && scp -q /var/lib/lxc/one-$vmid/config h2:/var/tmp/raw-$vmid.config" | head -n 1)
    t1=$(on h2 "mkdir -p /var/lib/lxc/one-$vmid $S/mapper/disk.0 && cp /var/tmp/raw-$vmid.config /var/lib/lxc/one-$vmid/config \
        && mount -o loop $S/disk.0 $S/mapper/disk.0 && lxc-start -n one-$vmid </dev/null >/dev/null 2>&1 && lxc-wait -n one-$vmid -s RUNNING -t 30 && date +%s.%N")
    c=$(sub "$t0" "$t1")
    scrub $vmid
    A[$mem]+="$a "; B[$mem]+="$b "; C[$mem]+="$c "
    echo "  mem ${mem} MiB run $run: (a) $a s  (b) $b s  (c) $c s" >&2
  done
done

out=$(
  echo "Live migration of one container h1 <-> h2 on the test bed, $(date -u +%Y-%m-%dT%H:%MZ), median of $RUNS, seconds"
  echo "rootfs: 1 GiB ext4 image (900 MiB data); memory: touched by /memhog in the container; load: $(cut -d' ' -f1-3 /proc/loadavg)"
  printf '%-9s %12s %12s %12s %8s %8s\n' memory "(a) lxc_live" "(b) raw" "(c) cold" "(a)/(b)" "(a)/(c)"
  for mem in "${SIZES[@]}"; do
    ma=$(echo ${A[$mem]} | tr ' ' '\n' | median); mb=$(echo ${B[$mem]} | tr ' ' '\n' | median); mc=$(echo ${C[$mem]} | tr ' ' '\n' | median)
    printf '%-9s %12s %12s %12s %8s %8s\n' "${mem}MiB" "$ma" "$mb" "$mc" "$(awk -v a=$ma -v b=$mb 'BEGIN{printf "%.2f", a/b}')" "$(awk -v a=$ma -v c=$mc 'BEGIN{printf "%.2f", a/c}')"
  done
  echo "(a) freeze = dump start (source clock) -> restore confirmed (destination clock), from lxc_live's report;"
  echo "    the JVM and SSH connections start before the freeze (pre-flight), none inside it."
  echo "(b) raw = lxc-checkpoint -s, sync, rsync rootfs delta + images, mount, lxc-checkpoint -r (host clocks)."
  echo "(c) cold = lxc-stop -k, umount, full rsync of the VM folder, mount, lxc-start until RUNNING."
  echo "Before (a) the host touches and frees 2x the container's memory: these VMs are slow to hand out"
  echo "never-touched pages, and (a) runs first after the container filled its memory; (b) and (c) reuse"
  echo "the pages the previous method freed."
  echo "command: bash bench/migration.sh $RUNS ${SIZES[*]}"
)
echo "$out"
mkdir -p bench/results; echo "$out" > "bench/results/migration-$(date -u +%Y%m%d-%H%M).txt"
