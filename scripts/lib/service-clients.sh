# Sourced by scripts/demo.sh and bench/services.sh: clients on the front-end of a container's services,
# started before a move and read after it. What a user of the container sees:
#   ping     an ICMP echo every 10 ms: the network-visible downtime is the largest gap between replies;
#   http     one keep-alive connection to nginx fetching the page every 50 ms (scripts/lib/http-keepalive-client.py):
#            it survived if it is still the first connection and no request failed;
#   ssh      one SSH session into the container running a loop that prints a line every 100 ms: it
#            survived if the session is still open and the numbers have no hole.
# Needs: REPO. The container's sshd must accept KEY and be in KNOWN_HOSTS (host keys are checked).

clients_start() { # dir ip key known_hosts
  local d=$1 ip=$2 key=$3 kh=$4
  mkdir -p "$d"; rm -f "$d"/*.log "$d"/*.pid
  ping -D -n -i 0.01 -W 1 "$ip" > "$d/ping.log" 2>&1 & echo $! > "$d/ping.pid"
  python3 "$REPO/scripts/lib/http-keepalive-client.py" "$ip" 80 --interval 0.05 > "$d/http.log" 2>&1 &
  echo $! > "$d/http.pid"
  ssh -i "$key" -o IdentitiesOnly=yes -o UserKnownHostsFile="$kh" -o GlobalKnownHostsFile=/dev/null \
      -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=10 -o ServerAliveInterval=0 "root@$ip" \
      'i=0; while :; do echo "$i"; i=$((i+1)); sleep 0.1; done' < /dev/null > "$d/ssh.log" 2> "$d/ssh.err" &
  echo $! > "$d/ssh.pid"
}

clients_ready() { # dir: every client has had an answer (waits up to 20 s)
  local d=$1 _
  for _ in $(seq 200); do
    if grep -q 'bytes from' "$d/ping.log" 2>/dev/null && [ "$(wc -l < "$d/ssh.log" 2>/dev/null || echo 0)" -ge 2 ]; then
      return 0
    fi
    sleep 0.1
  done
  echo "clients_ready: no answer in 20 s (ping: $(tail -n 1 "$d/ping.log" 2>/dev/null); ssh: $(tail -n 1 "$d/ssh.err" 2>/dev/null))" >&2
  return 1
}

# Stops the clients and sets: NET_GAP (s), HTTP_OK, HTTP_FAILED, HTTP_CONNECTIONS, HTTP_GAP (s),
# HTTP_ERROR, SSH_ALIVE (yes/no: the session was still open), SSH_LINES, SSH_HOLES (missing numbers).
clients_stop() { # dir
  local d=$1 j
  SSH_ALIVE=no; kill -0 "$(cat "$d/ssh.pid")" 2>/dev/null && SSH_ALIVE=yes
  kill "$(cat "$d/ping.pid")" "$(cat "$d/ssh.pid")" 2>/dev/null || true
  kill -TERM "$(cat "$d/http.pid")" 2>/dev/null || true
  wait "$(cat "$d/http.pid")" 2>/dev/null || true
  for _ in $(seq 50); do grep -q '^{' "$d/http.log" && break; sleep 0.1; done
  NET_GAP=$(awk '/bytes from/ { t = substr($1, 2, length($1) - 2) + 0; if (n++ && t - p > g) g = t - p; p = t }
                 END { printf "%.3f", g }' "$d/ping.log")
  j=$(grep '^{' "$d/http.log" | tail -n 1); [ -n "$j" ] || j='{}'
  read -r HTTP_OK HTTP_FAILED HTTP_CONNECTIONS HTTP_GAP < <(python3 -c 'import json, sys
s = json.loads(sys.argv[1]); print(s.get("ok", 0), s.get("failed", 0), s.get("connections", 0), s.get("largest_gap_s", 0))' "$j")
  HTTP_ERROR=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1]).get("last_error", ""))' "$j")
  SSH_LINES=$(grep -c '^[0-9]*$' "$d/ssh.log" || true)
  SSH_HOLES=$(awk '/^[0-9]+$/ { if (n++ && $1 != p + 1) h += $1 - p - 1; p = $1 } END { print h + 0 }' "$d/ssh.log")
}

clients_summary() { # one line per client, for people
  printf '   network: largest gap between ping replies (every 10 ms from the front-end): %s s\n' "$NET_GAP"
  printf '   http:    %s requests answered, %s failed, %s connection(s) (1 = the keep-alive connection survived), largest gap %s s%s\n' \
    "$HTTP_OK" "$HTTP_FAILED" "$HTTP_CONNECTIONS" "$HTTP_GAP" "${HTTP_ERROR:+ (last error: $HTTP_ERROR)}"
  printf '   ssh:     session %s, %s lines, %s missing\n' \
    "$([ "$SSH_ALIVE" = yes ] && echo "still open" || echo CLOSED)" "$SSH_LINES" "$SSH_HOLES"
}

clients_survived() { [ "$SSH_ALIVE" = yes ] && [ "$SSH_HOLES" = 0 ] && [ "$HTTP_FAILED" = 0 ] && [ "$HTTP_CONNECTIONS" = 1 ]; }
