# shellcheck shell=sh
# One pre-dump round of an LXC container, run on the source host by the driver (sh -c, arguments below).
#   LXCPATH NAME ROUND_DIR PARENT PORT [VAR=VALUE ...]
# CRIU writes the pages the container dirtied since the round in PARENT (a path relative to ROUND_DIR;
# empty for the first round: every page) to the page server the driver's tunnel brings to
# 127.0.0.1:PORT, and its other images to ROUND_DIR. The container runs on afterwards: a pre-dump
# freezes it only while it collects the pages. Exits non-zero with CRIU's last log lines on stderr.
# VAR=VALUE: the operator's CRIU environment (criu.env), for the criu process only.
set -eu
lxcpath=$1 name=$2 dir=$3 parent=$4 port=$5
shift 5

pid=$(lxc-info -P "$lxcpath" -n "$name" -p -H 2>/dev/null) || pid=
if [ -z "$pid" ]; then
  echo "pre-dump: $name is not running" >&2
  exit 1
fi
mkdir -p "$dir"
# The same view of the container's mounts as the dump lxc-checkpoint makes later (external bind mounts
# such as the context folder are the host's, not the container's). PARENT is a path we make: no blanks.
# shellcheck disable=SC2086
if ! env "$@" criu pre-dump -t "$pid" -D "$dir" -o pre-dump.log -v4 --track-mem \
    --ext-mount-map auto --enable-external-sharing --enable-external-masters \
    --page-server --address 127.0.0.1 --port "$port" ${parent:+--prev-images-dir $parent} \
    </dev/null >/dev/null 2>&1; then
  echo "pre-dump of $name failed:" >&2
  grep -E 'Error|rror \(' "$dir/pre-dump.log" 2>/dev/null | tail -n 3 >&2 || true
  tail -n 2 "$dir/pre-dump.log" >&2 2>/dev/null || true
  exit 1
fi
