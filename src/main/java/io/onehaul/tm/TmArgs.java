package io.onehaul.tm;

import io.onehaul.opennebula.BadInputException;
import io.onehaul.opennebula.Names;
import io.onehaul.tm.Paths.HostPath;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The argv oned gives each action of a system-datastore TM (reference §4.2, §2.2; recorded in
 * fixtures/oned-7.5.80/calls.jsonl). Every word is checked before anything else runs: a refusal here
 * is exit 2 with nothing changed.
 */
public final class TmArgs {
    /** Sizes above 16 TiB are a typo, not a disk. */
    static final long MAX_SIZE_MB = 16L * 1024 * 1024;

    private final String location;
    private final Predicate<String> isFrontend;

    /**
     * @param location   datastore.location: every path this TM changes lies below it
     * @param isFrontend whether a host name is the front-end's own (the "fe" of clone sources)
     */
    public TmArgs(String location, Predicate<String> isFrontend) {
        this.location = location;
        this.isFrontend = isFrontend;
    }

    /** premigrate, postmigrate, failmigrate: {@code <src_host> <dst_host> <new_sysdir> <vmid> <new_dsid> [caller_tm]}. */
    public record Migrate(String srcHost, String dstHost, SysPath newSysdir, int vmid, int newDsid, String callerTm) {
        /** A 6th argument means another system TM is calling us for its disks: not our business. */
        public boolean fromOtherTm() {
            return !callerTm.isEmpty();
        }

        public boolean sameHost() {
            return srcHost.equals(dstHost);
        }
    }

    /** mv: {@code <src_host:path> <dst_host:path> <vmid> <dsid>}. */
    public record Move(String srcHost, SysPath src, String dstHost, SysPath dst, int vmid, int dsid) {}

    /** delete: {@code <host:path> <vmid> <dsid>}. */
    public record Delete(String host, SysPath target, int vmid, int dsid) {}

    /** context: {@code <context.sh> [file…] <host:sysdir/disk.i> <vmid> <dsid>}. */
    public record Context(List<ContextFile> files, String host, SysPath disk, int vmid, int dsid) {}

    /** A front-end file for the context folder and the name it gets there. */
    public record ContextFile(String localPath, String name) {}

    /** mkimage ({@code <size_mb> <format> <host:path> <vmid> <dsid>}) and mkswap (no format). */
    public record NewDisk(long sizeMb, String format, String host, SysPath disk, int vmid, int dsid) {}

    /** clone and ln: {@code <fe|host:SOURCE> <host:sysdir/disk.i> <vmid> <dsid>}. */
    public record Clone(HostPath source, boolean sourceOnFrontend, String host, SysPath disk, int vmid, int dsid) {
        /** The host the image comes from; empty for the front-end. */
        public String sourceHost() {
            return sourceOnFrontend ? "" : source.host();
        }
    }

    public Migrate migrate(String action, List<String> a) {
        if (a.size() != 5 && a.size() != 6) {
            throw count(action, a, "5 or 6", "<src_host> <dst_host> <new_sysdir> <vmid> <new_dsid> [caller_tm]");
        }
        int vmid = Names.vmid(a.get(3));
        int dsid = number(a.get(4), "datastore id");
        SysPath sysdir = SysPath.parse(location, a.get(2), vmid, "new_sysdir").requireFolderOf(dsid, "new_sysdir");
        String caller = a.size() == 6 ? tmName(a.get(5)) : "";
        return new Migrate(Names.host(a.get(0)), Names.host(a.get(1)), sysdir, vmid, dsid, caller);
    }

    public Move move(List<String> a) {
        exactly("mv", a, 4, "<src_host:path> <dst_host:path> <vmid> <dsid>");
        int vmid = Names.vmid(a.get(2));
        int dsid = number(a.get(3), "datastore id");
        HostPath src = Paths.hostPath(a.get(0), "mv source");
        HostPath dst = Paths.hostPath(a.get(1), "mv destination");
        SysPath s = SysPath.parse(location, src.path(), vmid, "mv source");
        SysPath d = SysPath.parse(location, dst.path(), vmid, "mv destination");
        if (s.isVmFolder() != d.isVmFolder() || !s.disk().equals(d.disk())) {
            throw new BadInputException("mv moves a VM folder to a VM folder or disk.<n> to the same disk.<n>, got "
                    + src + " -> " + dst);
        }
        if (d.isVmFolder()) {
            d.requireFolderOf(dsid, "mv destination");
        }
        return new Move(src.host(), s, dst.host(), d, vmid, dsid);
    }

    public Delete delete(List<String> a) {
        exactly("delete", a, 3, "<host:path> <vmid> <dsid>");
        int vmid = Names.vmid(a.get(1));
        int dsid = number(a.get(2), "datastore id");
        HostPath hp = Paths.hostPath(a.get(0), "delete path");
        SysPath p = SysPath.parse(location, hp.path(), vmid, "delete path");
        if (p.isVmFolder()) {
            p.requireFolderOf(dsid, "delete path");
        }
        return new Delete(hp.host(), p, vmid, dsid);
    }

    public Context context(List<String> a) {
        if (a.size() < 4) {
            throw count("context", a, "at least 4", "<context.sh> [file…] <host:sysdir/disk.i> <vmid> <dsid>");
        }
        int n = a.size();
        int vmid = Names.vmid(a.get(n - 2));
        int dsid = number(a.get(n - 1), "datastore id");
        HostPath hp = Paths.hostPath(a.get(n - 3), "context disk");
        SysPath disk = SysPath.parse(location, hp.path(), vmid, "context disk").requireDisk("context disk")
                .requireDatastore(dsid, "context disk");
        List<ContextFile> files = new ArrayList<>();
        for (String word : a.subList(0, n - 3)) {
            files.add(contextFile(word));
        }
        return new Context(files, hp.host(), disk, vmid, dsid);
    }

    public NewDisk mkimage(List<String> a) {
        exactly("mkimage", a, 5, "<size_mb> <format> <host:path> <vmid> <dsid>");
        String format = a.get(1).toLowerCase(Locale.ROOT);
        if (!format.equals("raw") && !format.equals("ext4")) {
            throw new BadInputException("mkimage format '" + a.get(1) + "' is not supported: LXC mounts raw ext4 images"
                    + " (raw or ext4)");
        }
        return newDisk("mkimage", a.get(0), format, a.subList(2, 5));
    }

    public NewDisk mkswap(List<String> a) {
        exactly("mkswap", a, 4, "<size_mb> <host:path> <vmid> <dsid>");
        return newDisk("mkswap", a.get(0), "swap", a.subList(1, 4));
    }

    public Clone clone(String action, List<String> a) {
        exactly(action, a, 4, "<fe:SOURCE|host:SOURCE> <host:sysdir/disk.i> <vmid> <dsid>");
        int vmid = Names.vmid(a.get(2));
        int dsid = number(a.get(3), "datastore id");
        HostPath src = Paths.hostPath(a.get(0), action + " source");
        boolean fe = isFrontend.test(src.host());
        if (!fe && !src.path().startsWith(Paths.plain(location, "datastore.location") + "/")) {
            throw new BadInputException(action + " source " + src + " is on a host but not under the datastore location "
                    + location);
        }
        HostPath dst = Paths.hostPath(a.get(1), action + " destination");
        SysPath disk = SysPath.parse(location, dst.path(), vmid, action + " destination").requireDisk(action + " destination");
        return new Clone(src, fe, dst.host(), disk, vmid, dsid);
    }

    private NewDisk newDisk(String action, String size, String format, List<String> rest) {
        if (!size.matches("\\d{1,9}") || Long.parseLong(size) == 0 || Long.parseLong(size) > MAX_SIZE_MB) {
            throw new BadInputException(action + " size '" + size + "' is not a size in MB between 1 and " + MAX_SIZE_MB);
        }
        int vmid = Names.vmid(rest.get(1));
        int dsid = number(rest.get(2), "datastore id");
        HostPath hp = Paths.hostPath(rest.get(0), action + " path");
        SysPath disk = SysPath.parse(location, hp.path(), vmid, action + " path").requireDisk(action + " path")
                .requireDatastore(dsid, action + " path");
        return new NewDisk(Long.parseLong(size), format, hp.host(), disk, vmid, dsid);
    }

    /**
     * A context source: {@code /path} or {@code /path:name} (FILES_DS images carry their name, possibly in
     * single quotes, since one_tm passes the word as oned wrote it). As the stock script does, '/' and
     * ' ' in the name become '_'.
     */
    static ContextFile contextFile(String word) {
        if (word.startsWith("http://") || word.startsWith("https://")) {
            throw new BadInputException("context file " + word + " is a URL: only front-end files are supported");
        }
        int colon = word.indexOf(':');
        String path = Paths.plain(colon < 0 ? word : word.substring(0, colon), "context file");
        String name = colon < 0 ? Paths.name(path) : word.substring(colon + 1);
        if (name.length() >= 2 && name.startsWith("'") && name.endsWith("'")) {
            name = name.substring(1, name.length() - 1);
        }
        name = name.replace('/', '_').replace(' ', '_');
        if (!name.matches("[A-Za-z0-9_.+=@%,-]{1,255}") || name.equals(".") || name.equals("..")) {
            throw new BadInputException("context file " + word + ": '" + name + "' is not a usable file name");
        }
        return new ContextFile(path, name);
    }

    private static String tmName(String s) {
        if (!s.matches("[a-z0-9_-]{1,64}")) {
            throw new BadInputException("caller TM '" + s + "' is not a TM name");
        }
        return s;
    }

    static int number(String s, String what) {
        if (s == null || !s.matches("\\d{1,9}")) {
            throw new BadInputException(what + " must be a non-negative number, got '" + s + "'");
        }
        return Integer.parseInt(s);
    }

    private static void exactly(String action, List<String> a, int n, String usage) {
        if (a.size() != n) {
            throw count(action, a, Integer.toString(n), usage);
        }
    }

    private static BadInputException count(String action, List<String> a, String n, String usage) {
        return new BadInputException(action + " expects " + n + " arguments (" + usage + "), got " + a.size());
    }
}
