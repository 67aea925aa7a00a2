package io.onehaul.criu;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One thing in a running container that CRIU 4.1.1 refuses to checkpoint (or to restore) on these hosts,
 * named by the process that holds it, so that an operator can act on it before anything is frozen.
 * Pure: {@link #parse} reads the lines of {@link DumpabilityScan}'s host command and decides.
 *
 * <p>What counts, each observed with a Debian 12 systemd container (testbed/images/README.md):
 * <ul>
 *   <li>a namespace of its own: UTS ("Can't dump nested uts namespace", systemd's ProtectHostname=yes), IPC and
 *       user (CRIU refuses nested ones as it does UTS), time, and mount (a service's private mount namespace
 *       dumped, but the restore failed: "mnt: Can't bind-mount at .../dev/ptmx: Not a directory");</li>
 *   <li>a BPF program or link fd ("Can't dump file N of that type [600] (anon anon_inode:bpf-prog)", systemd
 *       PID 1 for IP accounting/firewalling), a BPF map, an io_uring;</li>
 *   <li>a ramfs mount ("mnt: FS mnt ./run/credentials/UNIT ... unsupported", systemd's credentials).</li>
 * </ul>
 *
 * @param pid      the process id as the container sees it
 * @param comm     its command name (/proc/PID/comm)
 * @param kind     {@code ns}, {@code fd} or {@code mnt}
 * @param what     namespace name, fd number or file system type
 * @param resource the namespace link, fd target or mount point
 */
public record DumpabilityFinding(long pid, String comm, String kind, String what, String resource) {

    /** Namespaces whose nesting CRIU refuses (dump or restore) here; net, pid and cgroup it handles or LXC owns. */
    static final Set<String> REFUSED_NAMESPACES = Set.of("uts", "ipc", "user", "time", "mnt");
    static final Map<String, String> REFUSED_FDS = Map.of(
            "anon_inode:bpf-prog", "a BPF program",
            "anon_inode:bpf_link", "a BPF link",
            "anon_inode:bpf-map", "a BPF map",
            "anon_inode:[io_uring]", "an io_uring");
    static final Set<String> REFUSED_FILE_SYSTEMS = Set.of("ramfs");

    /** "process 1 (systemd) holds a BPF program (fd 23, anon_inode:bpf-prog)". */
    public String describe() {
        String who = "process " + pid + " (" + comm + ")";
        return switch (kind) {
            case "ns" -> who + " runs in a " + what + " namespace of its own (" + resource + ")"
                    + ("uts".equals(what) ? ", e.g. systemd's ProtectHostname=yes" : "")
                    + ("mnt".equals(what) ? ", e.g. systemd's PrivateTmp=/ProtectSystem=" : "");
            case "fd" -> who + " holds " + REFUSED_FDS.getOrDefault(resource, resource) + " (fd " + what + ", " + resource + ")";
            case "mnt" -> who + " sees a " + what + " mount at " + resource
                    + (resource.contains("/credentials/") ? " (systemd credentials)" : "");
            default -> who + ": " + what + " " + resource;
        };
    }

    /**
     * The findings among the scan's output lines ({@code kind<TAB>pid<TAB>comm<TAB>what<TAB>resource}); lines
     * of another form, and resources CRIU handles, are not findings. A mount point seen by several processes
     * is reported once.
     */
    public static List<DumpabilityFinding> parse(List<String> lines) {
        List<DumpabilityFinding> out = new ArrayList<>();
        java.util.Set<String> mounts = new java.util.HashSet<>();
        for (String line : lines) {
            String[] f = line.split("\t", -1);
            if (f.length != 5 || !f[1].matches("\\d+")) {
                continue;
            }
            DumpabilityFinding d = new DumpabilityFinding(Long.parseLong(f[1]), f[2].strip(), f[0], f[3], f[4]);
            boolean refused = switch (d.kind) {
                case "ns" -> REFUSED_NAMESPACES.contains(d.what);
                case "fd" -> REFUSED_FDS.containsKey(d.resource);
                case "mnt" -> REFUSED_FILE_SYSTEMS.contains(d.what) && mounts.add(d.resource);
                default -> false;
            };
            if (refused) {
                out.add(d);
            }
        }
        return out;
    }

    /** The refusal for the VM log: "CRIU cannot checkpoint one-5: process 1 (systemd) holds ...; ...". */
    public static String refusal(String container, List<DumpabilityFinding> findings) {
        List<String> parts = findings.stream().map(DumpabilityFinding::describe).toList();
        return "CRIU cannot checkpoint " + container + ": " + String.join("; ", parts);
    }
}
