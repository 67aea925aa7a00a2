# shellcheck shell=sh
# OneHaul: the CRIU options for restoring a container, and for an id-mapped one its veth pairs made first.
# argv: LXC_CONFIG BASE_CRIU_CONFIG OUT_CRIU_CONFIG
# CRIU 4.1 cannot create a veth from inside the container's user namespace (the restore fails with
# "reported by netlink: Operation not permitted"), but it moves a veth made beforehand into the restored
# network namespace (its "external netdev[NAME]:DEV"). So, for a container with lxc.idmap, each veth of its
# LXC config is made here as LXC would make it (host end named lxc.net.N.veth.pair, up) and its other end is
# named to CRIU; CRIU puts the host end on its bridge itself (lxc-checkpoint passes veth[NAME]:PAIR@BRIDGE).
# A veth pair an earlier attempt left is replaced; any other interface by that name stops the restore.
set -eu
cfg=$1 base=$2 out=$3
cat "$base" > "$out"
grep -q '^lxc\.idmap' "$cfg" || exit 0
awk '
  /^lxc\.net\.[0-9]+\./ {
    key = $1; sub(/^lxc\.net\./, "", key); n = key; sub(/\..*/, "", n); sub(/^[0-9]+\./, "", key)
    val = $0; sub(/^[^=]*= */, "", val)
    v[n "," key] = val; nets[n] = 1
  }
  END { for (n in nets) if (v[n ",type"] == "veth") print n, v[n ",veth.pair"], v[n ",name"] }
' "$cfg" | while read -r n pair name; do
  if [ -z "$pair" ] || [ -z "$name" ]; then echo "veth $n of $cfg has no veth.pair or name" >&2; exit 1; fi
  inner="ohr$$n$n"
  if ip link show dev "$pair" >/dev/null 2>&1; then
    # a veth an earlier attempt left goes; anything else by that name is not ours to remove
    if ip -d link show dev "$pair" | grep -qw veth; then ip link del "$pair"
    else echo "an interface named $pair that is not a veth exists on this host" >&2; exit 1; fi
  fi
  ip link add "$pair" type veth peer name "$inner"
  ip link set "$pair" up
  echo "external netdev[$name]:$inner" >> "$out"
done
