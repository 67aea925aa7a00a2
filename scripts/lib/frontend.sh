# Sourced by scripts/demo.sh and bench/migration.sh: a scratch OpenNebula front-end on the test bed
# and the driver calls exactly as oned's one_vmm_exec makes them (argv, /bin/sh -c, base64 stdin).
# Needs: REPO (checkout), FE (scratch folder), the test bed up (env.sh sourced).

fe_install() { # installs OneHaul into $FE/root with install.sh and writes a test-bed config
  rm -rf "$FE"; mkdir -p "$FE/root/etc/one" "$FE/vms"
  bash "$REPO/install.sh" --root "$FE/root" --jar "$REPO/target/onehaul.jar" --no-chown >/dev/null
  cat > "$FE/root/etc/one/onehaul.conf" <<CONF
ssh.user = root
ssh.identity = $TB_FRONTEND_KEY
ssh.known_hosts = $TB_KNOWN_HOSTS
host.sudo =
criu.env = $TB_CRIU_ENV
timeout.stop_seconds = 5
log.dir = $FE
CONF
  export ONEHAUL_CONF="$FE/root/etc/one/onehaul.conf"
  VMM="$FE/root/var/lib/one/remotes/vmm/lxc_live"
  TMR="$FE/root/var/lib/one/remotes/tm/onehaul"
}

sysdir() { echo "/var/lib/one/datastores/100/$1"; }

# The <VM> document of $VM_TEMPLATE (default examples/counter-vm.xml; MEMORY: $VM_MEMORY_MB if set).
# Templates with @IP@/@MAC@ (examples/debian-services-vm.xml) take $VM_IP and the MAC OpenNebula would
# derive from it (02:00 + the IPv4 address).
vm_xml() { # vmid host deploy_id seq
  local tpl=${VM_TEMPLATE:-examples/counter-vm.xml} mac=""
  if [ -n "${VM_IP:-}" ]; then mac=$(printf '02:00:%02x:%02x:%02x:%02x' ${VM_IP//./ }); fi
  sed -e "s/@VMID@/$1/g" -e "s/@HOST@/$2/g" -e "s/@DEPLOY_ID@/$3/g" -e "s/@SEQ@/${4:-0}/g" \
      -e "s/@IP@/${VM_IP:-}/g" -e "s/@MAC@/$mac/g" \
      -e "s/<MEMORY><!\[CDATA\[\([0-9]*\)\]\]>/<MEMORY><![CDATA[${VM_MEMORY_MB:-\1}]]>/" "$REPO/$tpl"
}

action_message() { # vmid host checkpoint: VMM_DRIVER_ACTION_DATA for an action on host (reference §1.6)
  printf '<VMM_DRIVER_ACTION_DATA><HOST>%s</HOST><MIGR_HOST/><DEPLOY_ID>one-%s</DEPLOY_ID><LOCAL_DEPLOYMENT_FILE/><REMOTE_DEPLOYMENT_FILE/><CHECKPOINT_FILE>%s</CHECKPOINT_FILE><TM_COMMAND/><TM_COMMAND_ROLLBACK/><DISK_TARGET_PATH/>%s<DATASTORE><ID>100</ID><NAME>system</NAME><TM_MAD>onehaul</TM_MAD><BASE_PATH>/var/lib/one/datastores/100</BASE_PATH><TEMPLATE><SHARED>NO</SHARED></TEMPLATE></DATASTORE></VMM_DRIVER_ACTION_DATA>' \
    "$2" "$1" "$3" "$(vm_xml "$1" "$2" "one-$1")"
}

migrate_message() { # vmid src dst: the MIGRATE message (HOST source, MIGR_HOST destination, history = new record)
  printf '<VMM_DRIVER_ACTION_DATA><HOST>%s</HOST><MIGR_HOST>%s</MIGR_HOST><DEPLOY_ID>one-%s</DEPLOY_ID><LOCAL_DEPLOYMENT_FILE/><REMOTE_DEPLOYMENT_FILE/><CHECKPOINT_FILE/><TM_COMMAND>MIGRATE onehaul %s %s %s %s 100\n</TM_COMMAND><TM_COMMAND_ROLLBACK/><DISK_TARGET_PATH>%s</DISK_TARGET_PATH>%s<DATASTORE><ID>100</ID><NAME>system</NAME><TM_MAD>onehaul</TM_MAD><BASE_PATH>/var/lib/one/datastores/100</BASE_PATH><TEMPLATE><SHARED>NO</SHARED></TEMPLATE></DATASTORE></VMM_DRIVER_ACTION_DATA>' \
    "$2" "$3" "$1" "$2" "$3" "$(sysdir "$1")" "$1" "$(sysdir "$1")" "$(vm_xml "$1" "$3" "one-$1" 1)"
}

# one_vmm_exec runs a local action through /bin/sh -c, params single-quoted, "<vmid> <host>" appended.
vmm_call() { # action stdin_document vmid host params...
  local action=$1 doc=$2 vmid=$3 host=$4; shift 4
  local cmd="$VMM/$action"; for a in "$@"; do cmd+=" '$a'"; done
  (cd /var/tmp && printf '%s' "$doc" | base64 -w0 | /bin/sh -c "$cmd $vmid $host")
}

tm_step() { # action vmid src dst: pre/post/failmigrate as one_vmm_exec runs them (unquoted, base64 <VM>)
  (cd /var/tmp && vm_xml "$2" "$4" "one-$2" 1 | base64 -w0 | /bin/sh -c "$TMR/$1 $3 $4 $(sysdir "$2") $2 100")
}

live_migrate() { # vmid src dst: premigrate, migrate (failmigrate on failure), postmigrate
  local vmid=$1 src=$2 dst=$3
  tm_step premigrate "$vmid" "$src" "$dst" || { tm_step failmigrate "$vmid" "$src" "$dst"; return 1; }
  if ! vmm_call migrate "$(migrate_message "$vmid" "$src" "$dst")" "$vmid" "$src" "one-$vmid" "$dst" "$src"; then
    tm_step failmigrate "$vmid" "$src" "$dst"; return 1
  fi
  tm_step postmigrate "$vmid" "$src" "$dst"
}

tm_line() { # action args...: one line of a transfer file as one_tm runs it (MV, CONTEXT...)
  local action=$1; shift
  (cd /var/tmp && /bin/sh -c "$TMR/$action $*" </dev/null)
}

# onevm migrate (no --live) type 0 with lxc_live's CRIU save/restore (reference §2.3): save on the
# old host, the TM MV lines (root disk from the image datastore 1, then the VM folder), restore.
save_migrate() { # vmid src dst
  local vmid=$1 src=$2 dst=$3 ck
  ck="$(sysdir "$vmid")/checkpoint"
  vmm_call save "$(action_message "$vmid" "$src" "$ck")" "$vmid" "$src" "one-$vmid" "$ck" "$src" || return 1
  tm_line mv "$src:$(sysdir "$vmid")/disk.0" "$dst:$(sysdir "$vmid")/disk.0" "$vmid" 1 || return 1
  tm_line mv "$src:$(sysdir "$vmid")" "$dst:$(sysdir "$vmid")" "$vmid" 100 || return 1
  vmm_call restore "$(action_message "$vmid" "$dst" "$ck")" "$vmid" "$dst" "$ck" "$dst" "one-$vmid"
}

# onevm migrate --poff (type 1): shutdown on the old host, MV, deploy on the new one: a fresh boot.
poweroff_migrate() { # vmid src dst
  local vmid=$1 src=$2 dst=$3
  vmm_call shutdown "$(action_message "$vmid" "$src" "")" "$vmid" "$src" "one-$vmid" "$src" || return 1
  tm_line mv "$src:$(sysdir "$vmid")/disk.0" "$dst:$(sysdir "$vmid")/disk.0" "$vmid" 1 || return 1
  tm_line mv "$src:$(sysdir "$vmid")" "$dst:$(sysdir "$vmid")" "$vmid" 100 || return 1
  vm_xml "$vmid" "$dst" "" 1 > "$FE/vms/$vmid/deployment.1"
  vmm_call deploy "$(cat "$FE/vms/$vmid/deployment.1")" "$vmid" "$dst" "/var/lib/one/vms/$vmid/deployment.1" "$dst" >/dev/null
}

place_root_disk() { # vmid host image: the root disk in the host's system datastore, as a TM clone would
  bash "$REPO/testbed/testbed.sh" exec "$2" -- sh -c "rm -rf $(sysdir "$1") && mkdir -p $(sysdir "$1") && cp --sparse=always $3 $(sysdir "$1")/disk.0"
}

tick() { # vmid host: "<boot id> <counter>" from the container's /tick
  bash "$REPO/testbed/testbed.sh" exec "$2" -- cat "$(sysdir "$1")/mapper/disk.0/tick"
}

last_report() { tail -n 1 "$FE/onehaul-migrations.jsonl"; }
