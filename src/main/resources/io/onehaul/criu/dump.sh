# shellcheck shell=sh
# The CRIU dump of an LXC container that then stops (`lxc-checkpoint -s -D DIR`), run on the source host
# by the driver (sh -c, arguments below).
#   LXCPATH NAME DIR
# CRIU reads its other options (action script, page server, parent images) from CRIU_CONFIG_FILE.
#
# On a cgroup2 host, lxc-checkpoint cannot dump a container that lxc-checkpoint restored: LXC up to 6.0.6
# sets up no freezer for a restored container's cgroup, and its dump then stops at "Failed getting
# freezer path" before CRIU runs (fixed upstream after 6.0.6, lxc/lxc f30cbb86f). A container moved once
# could never move again. There CRIU is run here with exactly the options lxc-checkpoint gives it, and
# the cgroup read from the container's init instead of asked from LXC's monitor. Elsewhere (cgroup v1, or
# a console CRIU must treat as external) lxc-checkpoint does it.
set -eu
lxcpath=$1 name=$2 dir=$3
config=$lxcpath/$name/config

# The value of KEY in the container's config (the last one; includes are not searched).
config_value() {
  sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$config" | tail -n 1
}

# The mount points of the container's bind mounts (lxc.mount.entry with bind or rbind), in its config and
# the files it includes: lxc-checkpoint declares each to CRIU as external. One awk for all of it (a
# process per line costs seconds in an emulated host, and this runs while the container is frozen).
bind_mounts() {
  awk '
    function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
    function read_config(file,    line, key, value, n, f, list, field) {
      while ((getline line < file) > 0) {
        if (line !~ /=/) continue
        key = trim(substr(line, 1, index(line, "=") - 1))
        value = trim(substr(line, index(line, "=") + 1))
        if (key == "lxc.include") {
          if (system("test -d \"" value "\"") != 0) { read_config(value); continue }
          list = "ls -1 \"" value "\"/*.conf 2>/dev/null"
          while ((list | getline f) > 0) read_config(f)
          close(list)
        } else if (key == "lxc.mount.entry") {
          n = split(value, field, /[ \t]+/)
          if (n >= 4 && ("," field[4] ",") ~ /,r?bind,/) print field[2]
        }
      }
      close(file)
    }
    BEGIN { read_config(ARGV[1]); exit }
  ' "$1"
}

# The folder the container sees read-only as /context (lxc.mount.entry ... context none ro,bind...), if the
# driver or the onehaul TM wrote it as a folder (an ISO is mounted, read-only, and is left alone).
context_folder() {
  awk '$1 == "lxc.mount.entry" && $2 == "=" && $4 == "context" && ("," $6 ",") ~ /,ro,/ { print $3 }' "$config" \
    | tail -n 1
}

# Every file of the context folder is renamed over by a copy of itself. A process of the container that
# holds one open then holds an unlinked file, which CRIU carries in the images; else CRIU would reopen it
# by name at the restore and refuse if the destination's context differs in size, as it may
# (a restore gets the context oned makes then). The container cannot write the folder, so nothing in it
# is a symlink it planted; -type f skips anything else anyway.
refresh_context() {
  ctx=$(context_folder)
  if [ -z "$ctx" ] || [ ! -d "$ctx" ] || mountpoint -q "$ctx"; then return 0; fi
  find "$ctx" -xdev -type f | while IFS= read -r f; do
    tmp=$(mktemp "$(dirname "$f")/.refresh.XXXXXX") || { echo "dump: cannot renew $f" >&2; exit 1; }
    if ! { cp -p -- "$f" "$tmp" && mv -fT -- "$tmp" "$f"; }; then
      rm -f -- "$tmp"; echo "dump: cannot renew $f" >&2; exit 1
    fi
  done
}
refresh_context

console=$(config_value 'lxc\.console\.path')
if [ ! -f /sys/fs/cgroup/cgroup.controllers ] || [ "$console" != none ]; then
  exec lxc-checkpoint -P "$lxcpath" -n "$name" -s -D "$dir"
fi

pid=$(lxc-info -P "$lxcpath" -n "$name" -p -H 2>/dev/null) || pid=
if [ -z "$pid" ]; then
  echo "dump: $name is not running" >&2
  exit 1
fi
cg=$(sed -n 's|^0::/||p' "/proc/$pid/cgroup")
if [ -z "$cg" ] || [ ! -d "/sys/fs/cgroup/$cg" ]; then
  echo "dump: cannot find the cgroup of $name (init pid $pid)" >&2
  exit 1
fi
controllers=$(tr ' ' ',' < "/sys/fs/cgroup/$cg/cgroup.controllers")
mounts=$(bind_mounts "$config")
mkdir -p "$dir"
chmod 700 "$dir"

set -- dump --tcp-established --file-locks --link-remap --manage-cgroups=full --ext-mount-map auto \
  --enable-external-sharing --enable-external-masters --enable-fs hugetlbfs --enable-fs tracefs \
  -D "$dir" -o "$dir/dump.log" --cgroup-root "${controllers:+$controllers:}$cg"
for m in $mounts; do
  set -- "$@" --ext-mount-map "/$m:$m"
done
exec criu "$@" -t "$pid" --skip-in-flight --freeze-cgroup "/sys/fs/cgroup/$cg" --force-irmap
