package io.onehaul.vmm;

import io.onehaul.host.CommandResult;
import io.onehaul.host.HostException;
import io.onehaul.host.HostShell;
import io.onehaul.host.Shell;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What pre-flight needs to know about one host, gathered in a single read-only command (one SSH round
 * trip per host): architecture, tools and versions, whether CRIU works here, the container's state,
 * free or used space, bridges, and the host's clock.
 */
record HostFacts(Map<String, String> values) {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    static HostFacts gather(HostShell sh, String lxcPath, String container, Map<String, String> criuEnv,
                            String spaceQuery, List<String> bridges) {
        String p = Shell.quote(lxcPath);
        String n = Shell.quote(container);
        StringBuilder cmd = new StringBuilder();
        cmd.append("echo arch=$(uname -m); ");
        cmd.append("echo criu=$(criu --version 2>/dev/null | awk '/^Version/ {print $2}'); ");
        cmd.append("command -v lxc-checkpoint >/dev/null && echo lxc_checkpoint=yes; ");
        cmd.append("command -v rsync >/dev/null && echo rsync=yes; ");
        cmd.append(Shell.envPrefix(criuEnv)).append("criu check >/dev/null 2>&1 && echo criu_check=ok; ");
        // what decides the strategies: soft-dirty tracking (pre-copy), userfaultfd and pipe size (lazy pages)
        cmd.append(Shell.envPrefix(criuEnv)).append("criu check --feature mem_dirty_track >/dev/null 2>&1 && echo dirty_track=yes; ");
        cmd.append(Shell.envPrefix(criuEnv)).append("criu check --feature uffd-noncoop >/dev/null 2>&1 && echo uffd=yes; ");
        cmd.append("echo pipe_max=$(cat /proc/sys/fs/pipe-max-size 2>/dev/null); ");
        // an id-mapped container's lazy restore opens userfaultfd inside its user namespace (CRIU 4.1)
        cmd.append("echo uffd_unprivileged=$(cat /proc/sys/vm/unprivileged_userfaultfd 2>/dev/null); ");
        cmd.append("grep -qs '^lxc\\.idmap' ").append(p).append("/").append(n).append("/config && echo idmapped=yes; ");
        // cgroup2: the memory of the cgroup the container's init is in. Not LXC's answer: for a container
        // lxc-checkpoint restored, LXC up to 6.0.6 may name a cgroup its tasks are not in (criu/dump.sh)
        cmd.append("pid=$(lxc-info -P ").append(p).append(" -n ").append(n).append(" -p -H 2>/dev/null); ")
                .append("cg=$(sed -n 's|^0::/||p' \"/proc/${pid:-0}/cgroup\" 2>/dev/null); ")
                .append("echo mem=$( { [ -n \"$pid\" ] && [ -f /sys/fs/cgroup/cgroup.controllers ] && cat \"/sys/fs/cgroup/$cg/memory.current\"; }")
                .append(" 2>/dev/null || lxc-cgroup -P ").append(p).append(" -n ").append(n).append(" memory.current 2>/dev/null || lxc-cgroup -P ")
                .append(p).append(" -n ").append(n).append(" memory.usage_in_bytes 2>/dev/null); ");
        // AppArmor: whether the host enforces it, and the profile the container's init runs under (LXC's
        // default where it is on and the config names none: lxc-container-default-cgns)
        cmd.append("echo apparmor=$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null); ");
        cmd.append("[ -n \"$pid\" ] && echo profile=$(sed 's/ (.*//' /proc/$pid/attr/apparmor/current 2>/dev/null); ");
        cmd.append("if [ -f ").append(p).append("/").append(n).append("/config ]; then echo state=$(lxc-info -P ").append(p)
                .append(" -n ").append(n).append(" -s -H 2>/dev/null); else echo state=UNDEFINED; fi; ");
        cmd.append(spaceQuery).append("; ");
        for (String b : bridges) {
            cmd.append("ip link show dev ").append(Shell.quote(b)).append(" >/dev/null 2>&1 || echo missing_bridge=")
                    .append(Shell.quote(b)).append("; ");
        }
        cmd.append("echo now=$(date +%s.%N)");
        CommandResult r = sh.run(cmd.toString(), TIMEOUT);
        if (!r.ok()) {
            throw new HostException(sh.host(), "pre-flight inspection failed: " + r.reason());
        }
        Map<String, String> m = new LinkedHashMap<>();
        r.stdout().lines().forEach(l -> {
            int eq = l.indexOf('=');
            if (eq > 0) {
                String k = l.substring(0, eq);
                m.merge(k, l.substring(eq + 1).strip(), (a, b) -> a + "," + b);
            }
        });
        return new HostFacts(m);
    }

    /** Space used by a VM folder, without its mount points and migration work files. */
    static String usedBytesQuery(String sysdir) {
        return "echo used=$(du -sxb --exclude=mapper --exclude=.migration --exclude=checkpoint " + Shell.quote(sysdir)
                + " 2>/dev/null | cut -f1)";
    }

    /** Free bytes where a folder is (or would be) created: the nearest existing ancestor's filesystem. */
    static String freeBytesQuery(String folder) {
        return "d=" + Shell.quote(folder) + "; while [ ! -d \"$d\" ]; do d=$(dirname \"$d\"); done; "
                + "echo free=$(df -PB1 \"$d\" | awk 'NR==2 {print $4}')";
    }

    /** "profile_loaded=yes" where AppArmor has a profile of that name loaded. */
    static String profileLoadedQuery(String profile) {
        return "awk -v p=" + Shell.quote(profile + " (") + " 'substr($0, 1, length(p)) == p { f = 1 } END { exit !f }' "
                + "/sys/kernel/security/apparmor/profiles 2>/dev/null && echo profile_loaded=yes";
    }

    /** The AppArmor profile that confines the container's init here, or "" where none does. */
    String confinement() {
        String profile = get("profile");
        return profile.equals("unconfined") ? "" : profile;
    }

    String get(String key) {
        return values.getOrDefault(key, "");
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    long number(String key) {
        try {
            return Long.parseLong(get(key));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
