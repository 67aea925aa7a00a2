#!/usr/bin/env bash
# Builds the CRIU compat preload (criu-compat.c) into ${1:-/usr/local/lib/onehaul/criu-compat.so}, as root.
# Idempotent: rebuilt only when the source is newer. Hosts then run CRIU with
#   criu.env = CRIU_FAULT=130 LD_PRELOAD=/usr/local/lib/onehaul/criu-compat.so
# (onehaul.conf), which lxc-checkpoint hands down to criu. See criu-compat.c for the two things it fixes.
set -euo pipefail
out=${1:-/usr/local/lib/onehaul/criu-compat.so}
src=$(cd "$(dirname "$0")" && pwd)/criu-compat.c
command -v gcc >/dev/null || { echo "criu-compat: gcc is missing (install-deps.sh)" >&2; exit 1; }
if [ -f "$out" ] && [ "$out" -nt "$src" ]; then exit 0; fi
mkdir -p "$(dirname "$out")"
gcc -O2 -Wall -Werror -shared -fPIC -o "$out.tmp.$$" "$src" -ldl
mv -f "$out.tmp.$$" "$out"
echo "criu-compat: built $out" >&2
