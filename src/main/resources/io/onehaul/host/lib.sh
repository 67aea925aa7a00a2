# shellcheck shell=sh
# OneHaul's host library: the idioms its host commands share. io.onehaul.host.HostScript puts it in front of
# a command that uses it. POSIX sh; every wait has a deadline.

# wait_for TICKS CMD [ARG...]: runs CMD every 20 ms until it succeeds (0), or has failed TICKS times (1).
wait_for() {
  _left=$1; shift
  until "$@"; do
    _left=$((_left - 1))
    [ "$_left" -gt 0 ] || return 1
    sleep 0.02
  done
}

# listening PORT: something listens on TCP PORT on this host.
listening() { ss -ltnH "sport = :$1" | grep -q .; }

# gone PIDFILE: no pid file, or its process has ended.
gone() { [ ! -f "$1" ] || ! kill -0 "$(cat "$1")" 2>/dev/null; }

# start_detached PIDFILE COMMAND: COMMAND (one shell line) in a session of its own, so that it outlives this
# SSH session and never holds its channel; its own pid (not a shell's) goes to PIDFILE.
start_detached() {
  # shellcheck disable=SC2016  # the inner shell expands them
  (setsid sh -c 'eval "$2 &"; echo $! > "$1"; wait' sh "$1" "$2" </dev/null >/dev/null 2>&1 &)
}
