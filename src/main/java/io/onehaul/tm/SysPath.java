package io.onehaul.tm;

import io.onehaul.opennebula.BadInputException;

/**
 * A path in a system datastore, the only kind of path this TM writes to or deletes:
 * {@code <datastore.location>/<ds>/<vmid>} (the VM folder) or {@code .../<vmid>/disk.<n>}. Anything else
 * in argv (another VM's folder, a datastore root, a file elsewhere) is refused before a host is touched.
 */
public record SysPath(String path, int datastoreId, int vmid, String disk) {

    public boolean isVmFolder() {
        return disk.isEmpty();
    }

    /** The VM folder itself, or the folder holding this disk. */
    public String vmFolder() {
        return isVmFolder() ? path : Paths.parent(path);
    }

    static SysPath parse(String location, String rawPath, int vmid, String what) {
        String loc = Paths.plain(location, "datastore.location");
        String p = Paths.plain(rawPath, what);
        if (!p.startsWith(loc + "/")) {
            throw new BadInputException(what + " '" + rawPath + "' is not under the datastore location " + loc);
        }
        String[] parts = p.substring(loc.length() + 1).split("/");
        if (parts.length < 2 || parts.length > 3 || !parts[0].matches("\\d{1,9}") || !parts[1].matches("\\d{1,9}")) {
            throw new BadInputException(what + " '" + rawPath + "' is not " + loc + "/<datastore>/<vmid>[/disk.<n>]");
        }
        if (Integer.parseInt(parts[1]) != vmid) {
            throw new BadInputException(what + " '" + rawPath + "' is the folder of VM " + parts[1] + ", not of VM " + vmid);
        }
        String disk = parts.length == 3 ? parts[2] : "";
        if (!disk.isEmpty() && !disk.matches("disk\\.\\d{1,4}")) {
            throw new BadInputException(what + " '" + rawPath + "' does not name a disk.<n> of the VM folder");
        }
        return new SysPath(p, Integer.parseInt(parts[0]), vmid, disk);
    }

    SysPath requireDisk(String what) {
        if (isVmFolder()) {
            throw new BadInputException(what + " '" + path + "' must name a disk.<n> in the VM folder");
        }
        return this;
    }

    SysPath requireFolderOf(int dsid, String what) {
        if (!isVmFolder() || datastoreId != dsid) {
            throw new BadInputException(what + " '" + path + "' must be the VM folder in datastore " + dsid);
        }
        return this;
    }

    SysPath requireDatastore(int dsid, String what) {
        if (datastoreId != dsid) {
            throw new BadInputException(what + " '" + path + "' is not in system datastore " + dsid);
        }
        return this;
    }

    @Override
    public String toString() {
        return path;
    }
}
