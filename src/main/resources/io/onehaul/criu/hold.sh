#!/bin/sh
# OneHaul: hold the dumped container at post-dump until the migration decides (io.onehaul.criu.HeldDump).
# CRIU runs it as its action script for every action, with no arguments; only post-dump is held. The
# driver writes its settings on the line right below this header when it installs it:
#   HOLD        1: hold at post-dump; 0 (a lazy dump, whose hold is its page service): only mark it
#   LIMIT_MS    the hold aborts by itself after this long
#   CHECK_TICKS the lease and the clock are looked at every this many 20 ms ticks (a fork each time)
#   GRACE       the hold aborts once the lease's pid is gone for this many looks in a row, unless the
#               restore began (the driver then renamed the lease away)
#   LEASE LOST  the lease file's name, and the name it is renamed to when the hold takes it
: "${HOLD:?}" "${LIMIT_MS:?}" "${CHECK_TICKS:?}" "${GRACE:?}" "${LEASE:?}" "${LOST:?}"
d=$(dirname "$0")
[ "$CRTOOLS_SCRIPT_ACTION" = post-dump ] || exit 0
date +%s.%N > "$d/dumped"
[ "$HOLD" = 1 ] || exit 0
# the limit is read off the clock: counted sleeps drift by their forks, more on a busy host
end=$(( $(date +%s%N) / 1000000 + LIMIT_MS )); i=0; lost=0
while [ ! -f "$d/decision" ]; do
  sleep 0.02; i=$((i + 1))
  [ $((i % CHECK_TICKS)) -eq 0 ] || continue
  if [ $(( $(date +%s%N) / 1000000 )) -ge "$end" ]; then echo abort-timeout > "$d/decision"; break; fi
  if [ -f "$d/$LEASE" ]; then
    if kill -0 "$(cat "$d/$LEASE" 2>/dev/null)" 2>/dev/null; then lost=0; else lost=$((lost + 1)); fi
    # taking the lease by renaming it: the driver's "restore begins" cannot then take it too
    if [ $lost -ge "$GRACE" ] && mv "$d/$LEASE" "$d/$LOST" 2>/dev/null; then
      echo abort-lease-lost > "$d/decision"
    fi
  fi
done
[ "$(cat "$d/decision")" = commit ] && exit 0
exit 1
