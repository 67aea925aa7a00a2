package io.onehaul.lxc;

import io.onehaul.opennebula.BadInputException;
import io.onehaul.opennebula.DiskXml;
import io.onehaul.opennebula.VmXml;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Decides how each disk of a VM becomes part of the container, from what the host has in the VM's
 * system-datastore folder. A folder {@code disk.N} is used as it is; a file is a raw filesystem image
 * that is loop-mounted under {@code mapper/disk.N}, as the stock LXC driver does (reference §3.3).
 * Pure: the host probe result comes in as a map.
 */
public final class DiskPlan {
    public enum Kind { DIR, FILE, MISSING }

    private DiskPlan() {}

    /** File names ({@code disk.N}) whose kind the host must report before {@link #plan} can run. */
    public static List<String> filesToProbe(VmXml vm) {
        List<String> names = new ArrayList<>();
        for (DiskXml d : vm.disks()) {
            if (!d.isSwap()) {
                names.add("disk." + d.diskId());
            }
        }
        contextDiskId(vm).ifPresent(id -> names.add("disk." + id));
        return names;
    }

    public static List<PreparedDisk> plan(VmXml vm, String sysdir, Map<String, Kind> onHost) {
        List<PreparedDisk> out = new ArrayList<>();
        int rootId = rootDiskId(vm);
        for (DiskXml d : vm.disks()) {
            if (d.isSwap()) {
                continue;
            }
            String file = "disk." + d.diskId();
            Kind kind = onHost.getOrDefault(file, Kind.MISSING);
            String source = sysdir + "/" + file;
            boolean root = d.diskId() == rootId;
            if (kind == Kind.MISSING) {
                throw new BadInputException("disk " + d.diskId() + " (" + source + ") is not on the host");
            }
            boolean loop = kind == Kind.FILE;
            String hostPath = loop ? sysdir + "/mapper/" + file : source;
            String inside = root ? "" : dataDiskTarget(d);
            out.add(new PreparedDisk(d.diskId(), root ? PreparedDisk.Role.ROOT : PreparedDisk.Role.DATA,
                    source, hostPath, loop, d.readOnly(), inside));
        }
        if (out.stream().noneMatch(p -> p.role() == PreparedDisk.Role.ROOT)) {
            throw new BadInputException("VM " + vm.id() + " has no root disk (DISK " + rootId + ")");
        }
        if (vm.hasContext()) {
            int ctxId = contextDiskId(vm).orElse(-1);
            Kind kind = ctxId < 0 ? Kind.MISSING : onHost.getOrDefault("disk." + ctxId, Kind.MISSING);
            if (kind == Kind.FILE) {
                out.add(new PreparedDisk(ctxId, PreparedDisk.Role.CONTEXT, sysdir + "/disk." + ctxId,
                        sysdir + "/mapper/disk." + ctxId, true, true, "context"));
            } else if (kind == Kind.DIR) {
                // The onehaul TM's context step writes a folder (no ISO): bind-mounted read-only as it is.
                String folder = sysdir + "/disk." + ctxId;
                out.add(new PreparedDisk(ctxId, PreparedDisk.Role.CONTEXT, folder, folder, false, true, "context"));
            } else {
                // No ISO from a CONTEXT TM step: write the variables ourselves (context.sh), read-only.
                out.add(new PreparedDisk(ctxId, PreparedDisk.Role.CONTEXT, "", sysdir + "/context", false, true,
                        "context"));
            }
        }
        return out;
    }

    /** The stock rule: OS/BOOT's first entry's last digit, else the first disk (reference §3.3). */
    static int rootDiskId(VmXml vm) {
        String boot = vm.templateAttribute("OS", "BOOT");
        if (!boot.isEmpty()) {
            String first = boot.split(",")[0].trim();
            char c = first.isEmpty() ? 'x' : first.charAt(first.length() - 1);
            if (Character.isDigit(c)) {
                return c - '0';
            }
        }
        return vm.disks().stream().filter(d -> !d.isSwap()).findFirst()
                .map(DiskXml::diskId)
                .orElseThrow(() -> new BadInputException("VM " + vm.id() + " has no disk to use as rootfs"));
    }

    static java.util.Optional<Integer> contextDiskId(VmXml vm) {
        String id = vm.templateAttribute("CONTEXT", "DISK_ID");
        if (id.isEmpty()) {
            return java.util.Optional.empty();
        }
        if (!id.matches("\\d{1,4}")) {
            throw new BadInputException("CONTEXT/DISK_ID is not a number: '" + id + "'");
        }
        return java.util.Optional.of(Integer.parseInt(id));
    }

    private static String dataDiskTarget(DiskXml d) {
        String t = d.target();
        if (t.startsWith("/")) {
            String rel = t.substring(1);
            if (rel.isEmpty() || rel.contains("..") || !rel.matches("[A-Za-z0-9_./-]+")) {
                throw new BadInputException("disk " + d.diskId() + " TARGET '" + t + "' is not a usable mount point");
            }
            return rel;
        }
        return "media/one-disk." + d.diskId();
    }
}
