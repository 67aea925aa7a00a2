#!/bin/bash
# Pre-copy by hand between the guest's hosts g1 -> g2, run on g1: `guest.sh exec g1 -- bash /root/onehaul/testbed/precopy-by-hand.sh`,
# then `guest.sh exec g1 -- cat /root/precopy-result.txt`: two pre-dump rounds straight into g2's
# page server, a final dump into it too, the rest copied, restore on g2. All output to a file (see README).
exec </dev/null >/root/precopy-result.txt 2>&1
set -u
ms() { echo $(( ($(date +%s%N)-$1)/1000000 )); }
pages() { ssh g2 "ls -la $1/pages-*.img 2>/dev/null" | awk '{s+=$5} END {printf "%d KiB", s/1024}'; }
N=pc1; L=/var/lib/lxc/$N; CK=/var/tmp/one/ck; PORT=27100
lxc-stop -k -n $N 2>/dev/null; rm -rf "$L" "$CK"; ssh g2 "lxc-stop -k -n $N 2>/dev/null; rm -rf $L $CK"
mkdir -p "$L" "$CK"; ssh g2 "mkdir -p $CK/1 $CK/2 $CK/final"
bash /root/onehaul/testbed/testbed.sh image-dir "$L/rootfs"
cat > "$L/config" <<EOC
lxc.include = /usr/share/lxc/config/common.conf
lxc.uts.name = $N
lxc.rootfs.path = dir:$L/rootfs
lxc.init.cmd = /sbin/onehaul-counter
lxc.tty.max = 0
lxc.console.path = none
lxc.net.0.type = veth
lxc.net.0.link = onebr0
lxc.net.0.flags = up
lxc.net.0.hwaddr = 02:00:0a:e8:01:32
lxc.net.0.ipv4.address = 10.232.1.50/24 10.232.1.255
EOC
lxc-start -n $N || exit 1
# 48 MiB that never changes after it is written, and the counter that changes a little every 0.2 s
lxc-attach -n $N -- /bin/sh -c 'setsid /bin/sh -c "x=\$(head -c 50331648 /dev/zero | tr \"\\\\0\" a); while :; do sleep 1; done" </dev/null >/dev/null 2>&1 &'
for _ in $(seq 90); do lxc-attach -n $N -- /bin/sh -c "grep -h VmRSS /proc/[0-9]*/status" | awk '$2 > 49000 {f=1} END {exit !f}' && break; sleep 1; done
PID=$(lxc-info -n $N -p -H)
echo "container $N on g1, init pid $PID"
OPTS="--tcp-established --file-locks --link-remap --ext-mount-map auto --enable-external-sharing --enable-external-masters --manage-cgroups --freeze-cgroup /sys/fs/cgroup/lxc.payload.$N"
mkdir -p $CK/1 $CK/2
for r in 1 2; do
  prev=""; [ $r = 2 ] && prev="--prev-images-dir ../1"
  ssh g2 "criu page-server -D $CK/$r --address 10.233.1.12 --port $PORT -d $prev -o ps.log -v2" >/dev/null
  t=$(date +%s%N)
  criu pre-dump -t "$PID" -D $CK/$r --track-mem $prev --page-server --address 10.233.1.12 --port $PORT $OPTS -o pre-dump.log -v2
  echo "pre-dump $r: rc=$? $(ms "$t") ms; pages on g2: $(pages $CK/$r); counter $(cut -d' ' -f2 $L/rootfs/tick)"
  sleep 2
done
ssh g2 "criu page-server -D $CK/final --address 10.233.1.12 --port $PORT -d --prev-images-dir ../2 -o ps.log -v2" >/dev/null
printf 'track-mem\nprev-images-dir ../2\npage-server\naddress 10.233.1.12\nport %s\n' $PORT > $CK/dump.conf
t0=$(date +%s%N)
CRIU_CONFIG_FILE=$CK/dump.conf lxc-checkpoint -s -D $CK/final -n $N; echo "final dump: rc=$? $(ms "$t0") ms; pages on g2: $(pages $CK/final); left on g1: $(du -sk $CK/final | cut -f1) KiB; state $(lxc-info -n $N -s -H)"
before=$(cut -d' ' -f2 $L/rootfs/tick)
t=$(date +%s%N)
# the rest: container config and rootfs, and the non-page images (the pages are on g2 already)
rsync -a "$L/" "g2:$L/" && rsync -a --exclude 'pages-*' $CK/final/ g2:$CK/final/
echo "copy: $(ms "$t") ms"
t=$(date +%s%N)
ssh g2 "printf 'mntns-compat-mode\n' > $CK/restore.conf; CRIU_CONFIG_FILE=$CK/restore.conf lxc-checkpoint -r -D $CK/final -n $N </dev/null >$CK/restore.out 2>&1; echo rc=\$?"
echo "restore on g2: $(ms "$t") ms; freeze (final dump start to restored): $(ms "$t0") ms"
sleep 2
echo "g2: state $(ssh g2 lxc-info -n $N -s -H); tick before $before, now $(ssh g2 cat $L/rootfs/tick); workload rss: $(ssh g2 "lxc-attach -n $N -- /bin/sh -c 'grep -h VmRSS /proc/[0-9]*/status'" | sort -k2 -n | tail -1)"
ssh g2 "grep -h -E 'Error' $CK/*/*.log $CK/final/restore.log 2>/dev/null | grep -v -E 'RLIMIT|No parent image' | head -5"
ssh g2 "lxc-stop -k -n $N; rm -rf $L $CK"; rm -rf "$L" "$CK"
echo finished
