# What debian12.sh puts into the debootstrapped tree (sourced; ROOT is the tree). Kept apart from the
# build steps so that the services and the CRIU profile can be read in one place.

# --- programs shared by both flavours ------------------------------------------------------------

# The writer: one INSERT per ~50 ms, each in its own transaction; a sequence number is appended to
# /var/lib/onehaul/acked only after its COMMIT returned OK. No unique constraint on seq: a test must be
# able to see a duplicate if a migration ever replayed a transaction. Numbers are never reused: after a
# lost connection (COMMIT outcome unknown) the writer goes on with the next number.
DBWRITER='#!/usr/bin/python3
"""OneHaul test workload: a PostgreSQL writer whose acknowledged rows a test can check."""
import os, sys, time
import psycopg2

ACKED = "/var/lib/onehaul/acked"
INTERVAL = 0.05


def log(msg):
    print("onehaul-dbwriter: " + msg, file=sys.stderr, flush=True)


def connect(dbname):
    while True:
        try:
            return psycopg2.connect(dbname=dbname, host="/run/postgresql")
        except psycopg2.Error as e:
            log("waiting for postgres: %s" % str(e).strip())
            time.sleep(0.5)


def ensure_schema():
    c = connect("postgres")
    c.autocommit = True
    with c.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", ("onehaul",))
        if cur.fetchone() is None:
            cur.execute("CREATE DATABASE onehaul")
    c.close()
    c = connect("onehaul")
    with c.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS rows (id bigserial PRIMARY KEY, seq bigint NOT NULL,"
                    " at timestamptz NOT NULL DEFAULT clock_timestamp())")
        cur.execute("SELECT coalesce(max(seq), 0) FROM rows")
        top = cur.fetchone()[0]
    c.commit()
    return c, top


def last_acked():
    try:
        with open(ACKED) as f:
            lines = f.read().split()
        return int(lines[-1]) if lines else 0
    except (OSError, ValueError):
        return 0


def main():
    os.makedirs(os.path.dirname(ACKED), exist_ok=True)
    conn, top = ensure_schema()
    seq = max(top, last_acked())
    acked = open(ACKED, "a", buffering=1)
    log("writing from seq %d" % (seq + 1))
    while True:
        seq += 1
        try:
            with conn.cursor() as cur:
                cur.execute("INSERT INTO rows (seq) VALUES (%s)", (seq,))
            conn.commit()
        except psycopg2.Error as e:
            log("seq %d not acknowledged: %s" % (seq, str(e).strip()))
            try:
                conn.close()
            except psycopg2.Error:
                pass
            conn = connect("onehaul")
            continue
        acked.write("%d\n" % seq)
        time.sleep(INTERVAL)


main()
'

# The heartbeat the tests read through the host's mount (CounterContainer.tick): "BOOTID COUNT" in
# /tick, replaced atomically every 20 ms, without forking a process per tick.
TICK='#!/usr/bin/python3
"""OneHaul heartbeat: writes "<boot id> <count>" to /tick every 20 ms."""
import os, signal, sys, time

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
with open("/proc/sys/kernel/random/uuid") as f:
    boot = f.read().strip()
n = 0
while True:
    n += 1
    with open("/tick.tmp", "w") as f:
        f.write("%s %d\n" % (boot, n))
    os.replace("/tick.tmp", "/tick")
    time.sleep(0.02)
'

INDEX_HTML='<!doctype html>
<title>OneHaul Debian 12</title>
<p>onehaul-debian12 nginx is serving</p>
'

install_common_files() {
  local root=$1 pubkey=$2
  install -d -m 755 "$root/usr/local/sbin" "$root/var/www/html"
  install -d -m 755 -o "$(uid_of "$root" postgres)" -g "$(gid_of "$root" postgres)" "$root/var/lib/onehaul"
  printf '%s' "$DBWRITER" > "$root/usr/local/sbin/onehaul-dbwriter"
  printf '%s' "$TICK" > "$root/usr/local/sbin/onehaul-tick"
  chmod 755 "$root/usr/local/sbin/onehaul-dbwriter" "$root/usr/local/sbin/onehaul-tick"
  printf '%s' "$INDEX_HTML" > "$root/var/www/html/index.html"
  rm -f "$root/var/www/html/index.nginx-debian.html"

  echo onehaul-deb12 > "$root/etc/hostname"
  printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"
  : > "$root/etc/resolv.conf"
  # root logs in with the given key only
  install -d -m 700 "$root/root/.ssh"
  if [ -n "$pubkey" ]; then install -m 600 "$pubkey" "$root/root/.ssh/authorized_keys"; fi
  printf 'PasswordAuthentication no\nPermitRootLogin prohibit-password\nUseDNS no\n' \
    > "$root/etc/ssh/sshd_config.d/onehaul.conf"
  # Each image gets its own host keys (debootstrap's are in the cached tree, shared by every build)
  rm -f "$root"/etc/ssh/ssh_host_*
  chroot "$root" ssh-keygen -A >/dev/null
  # The cluster Debian created at install; keep its configuration (peer auth for postgres on the
  # socket), only make sure it exists.
  [ -f "$root/var/lib/postgresql/15/main/PG_VERSION" ] || chroot "$root" pg_createcluster 15 main >/dev/null
}

uid_of() { awk -F: -v u="$2" '$1 == u {print $3}' "$1/etc/passwd"; }
gid_of() { awk -F: -v u="$2" '$1 == u {print $4}' "$1/etc/passwd"; }

# --- flavour `services`: a small init ---------------------------------------------------------------

# PID 1 of the `services` flavour (lxc.init.cmd). Started by LXC with no tty; it starts the same
# services as the systemd flavour's units and reaps orphans. SIGPWR/SIGTERM (lxc-stop) stop them in
# order: the writer first, PostgreSQL last (fast shutdown, so the data on disk is consistent).
SERVICES_INIT='#!/bin/bash
# /sbin/onehaul-services: PID 1 of the OneHaul Debian 12 image, flavour "services".
exec </dev/null >>/var/log/onehaul-services.log 2>&1
PG="/usr/lib/postgresql/15/bin/pg_ctl -D /var/lib/postgresql/15/main -o -cconfig_file=/etc/postgresql/15/main/postgresql.conf"
stop() {
  echo "$(date -Is) stopping"
  kill $writer $tick 2>/dev/null
  /usr/sbin/nginx -s quit
  kill $(cat /run/sshd.pid 2>/dev/null) 2>/dev/null
  setpriv --reuid=postgres --regid=postgres --init-groups $PG -m fast -w stop
  exit 0
}
trap stop TERM INT PWR
echo "$(date -Is) starting"
mkdir -p /dev/shm /run/postgresql /run/sshd /var/log/postgresql /run/lock
chmod 1777 /dev/shm; chown postgres:postgres /run/postgresql /var/log/postgresql; chmod 2775 /run/postgresql
rm -f /run/nginx.pid /run/sshd.pid /run/postgresql/*.pid /var/lib/postgresql/15/main/postmaster.pid
ip link set lo up
setpriv --reuid=postgres --regid=postgres --init-groups $PG -l /var/log/postgresql/postgresql-15-main.log -w start
/usr/sbin/nginx
/usr/sbin/sshd
setpriv --reuid=postgres --regid=postgres --init-groups /usr/local/sbin/onehaul-dbwriter >>/var/log/onehaul-dbwriter.log 2>&1 &
writer=$!
/usr/local/sbin/onehaul-tick &
tick=$!
echo "$(date -Is) started"
while :; do
  sleep 1 &
  wait $!
done
'

install_services_flavour() {
  local root=$1
  printf '%s' "$SERVICES_INIT" > "$root/sbin/onehaul-services"
  chmod 755 "$root/sbin/onehaul-services"
}

# --- flavour `systemd` --------------------------------------------------------------------------------

UNIT_DBWRITER='[Unit]
Description=OneHaul test writer into PostgreSQL
After=postgresql@15-main.service
Requires=postgresql@15-main.service

[Service]
User=postgres
ExecStart=/usr/local/sbin/onehaul-dbwriter
Restart=always
RestartSec=1

[Install]
WantedBy=multi-user.target
'

UNIT_TICK='[Unit]
Description=OneHaul heartbeat (/tick)

[Service]
ExecStart=/usr/local/sbin/onehaul-tick

[Install]
WantedBy=multi-user.target
'

install_systemd_flavour() {
  local root=$1 u
  printf '%s' "$UNIT_DBWRITER" > "$root/etc/systemd/system/onehaul-dbwriter.service"
  printf '%s' "$UNIT_TICK" > "$root/etc/systemd/system/onehaul-tick.service"
  chroot "$root" systemctl enable onehaul-dbwriter.service onehaul-tick.service postgresql.service nginx.service ssh.service >/dev/null 2>&1
  # LXC configures eth0 (lxc.net.0.ipv4.address): nothing in the image may run DHCP or touch it
  for u in systemd-networkd.service systemd-networkd.socket systemd-networkd-wait-online.service \
           systemd-resolved.service networking.service ifup@eth0.service \
           console-getty.service getty@.service container-getty@.service serial-getty@.service; do
    ln -sfn /dev/null "$root/etc/systemd/system/$u"
  done
  install_criu_profile "$root"
}

# The CRIU profile: drop-ins that keep every service doing what it does but stop systemd from
# creating what CRIU 4.1.1 cannot checkpoint here (testbed/images/README.md has CRIU's own words).
install_criu_profile() {
  local root=$1
  . "$HERE/debian12-criu-profile.sh"
  criu_profile "$root"
}
