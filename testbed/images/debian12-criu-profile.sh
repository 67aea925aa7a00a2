# The CRIU-friendly systemd profile of the Debian 12 image (sourced by debian12-files.sh).
# Each drop-in removes one thing CRIU 4.1.1 refused to checkpoint on these hosts, without changing
# what a service does (its command, user, files, sockets); what goes is systemd's sandboxing around
# it. testbed/images/README.md lists CRIU's own words for each.

criu_profile() {
  local root=$1
  install -d -m 755 "$root/etc/systemd/system/service.d"
  # For every service: a top-level drop-in (systemd >= 246); unit-specific drop-ins still win.
  cat > "$root/etc/systemd/system/service.d/onehaul-criu.conf" <<'DROPIN'
# OneHaul CRIU profile: keeps services checkpointable by CRIU 4.1.1 (testbed/images/README.md)
[Service]
# CRIU: "Can't dump nested uts namespace" (ProtectHostname=yes gives a service its own UTS namespace)
ProtectHostname=no
# CRIU: "Can't dump file N of that type [600] (anon anon_inode:bpf-prog)" in PID 1: systemd keeps
# the fds of the cgroup BPF programs it attaches for IP accounting and firewalling
IPAccounting=no
IPAddressAllow=
IPAddressDeny=
SocketBindAllow=
SocketBindDeny=
RestrictNetworkInterfaces=
RestrictFileSystems=
# CRIU: "mnt: FS mnt ./run/credentials/UNIT ... unsupported": units that load credentials get a
# ramfs of their own; no credentials are passed to this container
LoadCredential=
SetCredential=
# CRIU restore (mntns-compat-mode): "mnt: Can't bind-mount at .../dev/ptmx: Not a directory" in a
# service's own mount namespace; no mount sandboxing, so services share the container's namespace
PrivateTmp=no
PrivateDevices=no
PrivateMounts=no
ProtectSystem=no
ProtectHome=no
ProtectKernelTunables=no
ProtectKernelModules=no
ProtectKernelLogs=no
ProtectControlGroups=no
ReadWritePaths=
ReadOnlyPaths=
InaccessiblePaths=
TemporaryFileSystem=
DROPIN
  # CRIU restore: "fsnotify: Unable to open /sys/fs/cgroup/unified/system.slice/system-modprobe.slice/
  # cgroup.events": PID 1 watches every unit cgroup, CRIU does not recreate the empty ones. modprobe@
  # loads kernel modules, which a container cannot do anyway.
  ln -sfn /dev/null "$root/etc/systemd/system/modprobe@.service"
  # CRIU restore, next: "fsnotify: Unable to open /sys/fs/cgroup/unified/user.slice/cgroup.events". On
  # these hybrid-cgroup hosts PID 1 tracks units in the unified hierarchy too and watches each unit's
  # cgroup.events; CRIU recreates only the cgroups its tasks are in, so any empty unit cgroup (user.slice
  # before anyone logs in, a finished mount unit) breaks the restore. In a container systemd reads its
  # "kernel command line" from its own argv: /sbin/init starts it with the legacy (name=systemd)
  # controller only, which watches nothing. /sbin/onehaul-services is the same, so one LXC_INIT_CMD fits
  # both flavours.
  rm -f "$root/sbin/init"
  printf '#!/bin/sh\n# OneHaul CRIU profile (testbed/images/README.md): systemd without unified-hierarchy watches\nexec /lib/systemd/systemd systemd.legacy_systemd_cgroup_controller=1 "$@"\n' > "$root/sbin/init"
  chmod 755 "$root/sbin/init"
  ln -sfn init "$root/sbin/onehaul-services"
}
