#!/usr/bin/env bash
# live-migrate.sh VMID SRC DST: scripts/lib/frontend.sh's live_migrate (TM premigrate, lxc_live
# migrate, postmigrate, or failmigrate) in a process of its own, so that the caller can bound it with
# `timeout`. Needs in the environment what fe_install set up: REPO, FE, VMM, TMR, ONEHAUL_CONF, and
# VM_MEMORY_MB / BENCH_USER_TEMPLATE_EXTRA for the VM documents. Exit status: live_migrate's.
set -uo pipefail
: "${REPO:?}" "${FE:?}" "${VMM:?}" "${TMR:?}" "${ONEHAUL_CONF:?}"
[ $# -eq 3 ] || { echo "usage: $0 VMID SRC DST" >&2; exit 2; }
. "${ONEHAUL_TESTBED_DIR:-/var/lib/onehaul-testbed}/env.sh"
. "$REPO/scripts/lib/frontend.sh"
. "$REPO/bench/lib/vmxml-extra.sh"
live_migrate "$1" "$2" "$3"
