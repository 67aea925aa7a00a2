# shellcheck shell=sh
# What in a running container CRIU would refuse, read-only, before anything is frozen
# (io.onehaul.criu.DumpabilityScan sends it; DumpabilityFinding decides what is a finding).
#   LXCPATH NAME
# Walks the process tree from the container's init and prints, per process, the namespaces that differ
# from init's, its BPF and io_uring fds, and (once per mount namespace) its mounts:
#   kind<TAB>pid<TAB>comm<TAB>what<TAB>resource       (pid and comm as the container sees them)
# Prints "not running" when it has no init. Needs only sh, awk and readlink.
lxcpath=$1 name=$2
init=$(lxc-info -P "$lxcpath" -n "$name" -p -H 2>/dev/null)
case "$init" in ''|*[!0-9]*) echo 'not running'; exit 0;; esac

# the process tree, breadth first (threads' children too)
all=''; todo=$init
while [ -n "$todo" ]; do
  next=''
  for p in $todo; do
    all="$all $p"
    for c in /proc/"$p"/task/*/children; do next="$next $(cat "$c" 2>/dev/null)"; done
  done
  todo=$next
done

who() {
  pid=$(awk '/^NSpid:/ {print $NF}' "/proc/$1/status" 2>/dev/null)
  comm=$(tr '\t' ' ' < "/proc/$1/comm" 2>/dev/null)
}

mnts=''
for p in $all; do
  [ -d "/proc/$p" ] || continue
  who "$p"
  for ns in uts ipc net pid user cgroup time mnt; do
    a=$(readlink "/proc/$p/ns/$ns" 2>/dev/null) || continue
    [ "$a" = "$(readlink "/proc/$init/ns/$ns" 2>/dev/null)" ] || printf 'ns\t%s\t%s\t%s\t%s\n' "$pid" "$comm" "$ns" "$a"
  done
  for fd in /proc/"$p"/fd/*; do
    l=$(readlink "$fd" 2>/dev/null) || continue
    case "$l" in
      anon_inode:bpf*|anon_inode:\[io_uring\]) printf 'fd\t%s\t%s\t%s\t%s\n' "$pid" "$comm" "${fd##*/}" "$l" ;;
    esac
  done
  m=$(readlink "/proc/$p/ns/mnt" 2>/dev/null) || continue
  case "$mnts" in *" $m "*) continue;; esac
  mnts="$mnts $m "
  awk -v pid="$pid" -v comm="$comm" '{ for (i = 7; i < NF; i++) if ($i == "-") {
    printf "mnt\t%s\t%s\t%s\t%s\n", pid, comm, $(i + 1), $5; break } }' "/proc/$p/mountinfo" 2>/dev/null
done
