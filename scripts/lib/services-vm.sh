# Sourced by scripts/demo.sh and bench/services.sh, after scripts/lib/frontend.sh: the Debian 12
# services container (testbed/images/debian12.sh) as a VM of the scratch front-end, and checks of what
# its users see. Needs: REPO, FE, TB_* (env.sh).

SERVICES_FLAVOUR=${SERVICES_FLAVOUR:-services}

services_image() { # out.ext4: builds the image (debootstrap cached) with the front-end's key, and OUT.known_hosts
  local out=$1 ip
  bash "$REPO/testbed/images/debian12.sh" build "$SERVICES_FLAVOUR" "$out" --authorized-key "$TB_FRONTEND_KEY.pub" >&2
  # The client checks the container's host key, like any SSH client should: read it from the image.
  debugfs -R 'cat /etc/ssh/ssh_host_ed25519_key.pub' "$out" 2>/dev/null | cut -d' ' -f1,2 > "$out.hostkey"
  [ -s "$out.hostkey" ] || { echo "services_image: no ssh host key in $out" >&2; return 1; }
}

services_known_hosts() { # image ip...: a known_hosts file for the container's addresses
  local img=$1 ip; shift
  for ip in "$@"; do echo "$ip $(cat "$img.hostkey")"; done > "$img.known_hosts"
  echo "$img.known_hosts"
}

services_vm_ip() { echo "10.232.1.$(( $1 % 200 + 10 ))"; }

# From now on frontend.sh's documents (deploy, migrate, save...) describe this services VM.
services_vm() { # vmid
  export VM_TEMPLATE=examples/debian-services-vm.xml VM_IP
  VM_IP=$(services_vm_ip "$1")
}

services_deploy() { # vmid host image: places the disk and deploys with lxc_live; waits for the services
  local vmid=$1 h=$2 img=$3
  services_vm "$vmid"
  place_root_disk "$vmid" "$h" "$img" || return 1
  mkdir -p "$FE/vms/$vmid"
  vm_xml "$vmid" "$h" "" > "$FE/vms/$vmid/deployment.0"
  vmm_call deploy "$(cat "$FE/vms/$vmid/deployment.0")" "$vmid" "$h" "/var/lib/one/vms/$vmid/deployment.0" "$h" >/dev/null || return 1
  services_ready "$vmid" "$h"
}

services_ready() { # vmid host: nginx answers the front-end and the writer has acknowledged a row (60 s)
  local vmid=$1 h=$2 ip _
  ip=$(services_vm_ip "$vmid")
  for _ in $(seq 600); do
    if python3 - "$ip" <<'PY' 2>/dev/null && [ -n "$(acked_rows "$vmid" "$h" | tail -n 1)" ]; then
import http.client, sys
c = http.client.HTTPConnection(sys.argv[1], 80, timeout=1); c.request("GET", "/"); sys.exit(c.getresponse().status != 200)
PY
      return 0
    fi
    sleep 0.1
  done
  echo "services_ready: one-$vmid on $h: nginx or the writer did not answer in 60 s" >&2
  return 1
}

acked_rows() { # vmid host: the writer's acknowledged sequence numbers (read through the host's mount)
  bash "$REPO/testbed/testbed.sh" exec "$2" -- cat "$(sysdir "$1")/mapper/disk.0/var/lib/onehaul/acked" 2>/dev/null
}

# Sets DB_ACKED (numbers the writer was told were committed), DB_ROWS, DB_LOST (acknowledged but not
# in the table), DB_DUP (rows whose number is there twice or more).
db_check() { # vmid host
  local vmid=$1 h=$2 acked rows
  acked=$(mktemp); rows=$(mktemp)
  # sorted as text, not as numbers: comm and uniq compare lines as text
  acked_rows "$vmid" "$h" | sort > "$acked"
  bash "$REPO/testbed/testbed.sh" exec "$h" -- lxc-attach -n "one-$vmid" -- \
    runuser -u postgres -- psql -X -tA -d onehaul -c 'SELECT seq FROM rows' </dev/null 2>/dev/null | sort > "$rows"
  DB_ACKED=$(wc -l < "$acked"); DB_ROWS=$(wc -l < "$rows")
  DB_LOST=$(comm -23 "$acked" <(sort -u "$rows") | wc -l)
  DB_DUP=$(uniq -d "$rows" | wc -l)
  rm -f "$acked" "$rows"
}

db_summary() {
  printf '   database: %s rows acknowledged by PostgreSQL to the writer, %s in the table: %s lost, %s duplicated\n' \
    "$DB_ACKED" "$DB_ROWS" "$DB_LOST" "$DB_DUP"
}
