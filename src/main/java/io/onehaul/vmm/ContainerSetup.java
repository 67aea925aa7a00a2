package io.onehaul.vmm;

import io.onehaul.lxc.ContainerState;
import io.onehaul.lxc.DiskPlan;
import io.onehaul.lxc.LxcConfigRenderer;
import io.onehaul.lxc.IdMap;
import io.onehaul.lxc.LxcHost;
import io.onehaul.lxc.PreparedDisk;
import io.onehaul.opennebula.VmXml;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Making a container ready on a host (disks mounted, LXC definition written from the VM template) and
 * undoing that. Shared by deploy, restore and the destination side of a migration.
 */
public final class ContainerSetup {
    private static final Logger log = LoggerFactory.getLogger(ContainerSetup.class);

    private final DriverSettings settings;

    public ContainerSetup(DriverSettings settings) {
        this.settings = settings;
    }

    /**
     * What {@link #define} would refuse in the VM's template (a malformed network mask, context value, …),
     * found before anything is copied or frozen: bad input, and nothing changed.
     */
    public void validate(VmXml vm, String name) {
        LxcConfigRenderer.render(vm, name, List.of(), new LxcConfigRenderer.Options(settings.lxcInclude(), false,
                settings.privilegedAllowed(), "/var/log/lxc/" + name + ".log").withRawAllowed(settings.rawAllowed())
                .withPidsMax(settings.pidsMax()));
        ContextScript.render(vm.context());
    }

    /**
     * Mounts the disks, gives them the owners the container's id map expects (once per disk) and defines
     * the container; on failure nothing of it is left.
     */
    public List<PreparedDisk> prepare(LxcHost lxc, VmXml vm, String name, String sysdir) {
        return prepare(lxc, vm, name, sysdir, null);
    }

    /** @param map the id map the container must have (a checkpoint's); null: the VM's */
    public List<PreparedDisk> prepare(LxcHost lxc, VmXml vm, String name, String sysdir, IdMap map) {
        IdMap idmap = map != null ? map : IdMap.of(vm, settings.privilegedAllowed());
        List<PreparedDisk> disks = define(lxc, vm, name, sysdir, idmap);
        try {
            lxc.mountDisks(disks);
            lxc.shiftOwnership(disks, idmap);
        } catch (RuntimeException e) {
            release(lxc, name, sysdir, true);
            throw e;
        }
        return disks;
    }

    /**
     * Everything but the mounts: plans the disks from what the host has, writes the LXC definition and
     * any generated context files. A migration does this before the freeze and mounts inside it.
     */
    public List<PreparedDisk> define(LxcHost lxc, VmXml vm, String name, String sysdir) {
        return define(lxc, vm, name, sysdir, null);
    }

    /** @param running the id map of the copy that runs elsewhere (a migration's source); null: the VM's */
    public List<PreparedDisk> define(LxcHost lxc, VmXml vm, String name, String sysdir, IdMap running) {
        Map<String, DiskPlan.Kind> kinds = lxc.probeDisks(sysdir, DiskPlan.filesToProbe(vm));
        List<PreparedDisk> disks = DiskPlan.plan(vm, sysdir, kinds);
        String config = LxcConfigRenderer.render(vm, name, disks, new LxcConfigRenderer.Options(
                settings.lxcInclude(), lxc.cgroupV2(), settings.privilegedAllowed(), "/var/log/lxc/" + name + ".log",
                running, settings.rawAllowed(), settings.pidsMax()));
        try {
            lxc.define(name, config, sysdir);
            lxc.writeGeneratedContext(disks, ContextScript.render(vm.context()),
                    running != null ? running : IdMap.of(vm, settings.privilegedAllowed()));
        } catch (RuntimeException e) {
            release(lxc, name, sysdir, true);
            throw e;
        }
        return disks;
    }

    /** Stops (if asked), unmounts and undefines; used for cleanup, so it tries every step. */
    public void release(LxcHost lxc, String name, String sysdir, boolean killFirst) {
        if (killFirst) {
            try {
                ContainerState s = lxc.state(name);
                if (s != ContainerState.UNDEFINED && s != ContainerState.STOPPED) {
                    lxc.stop(name, true, settings.stopTimeout());
                }
            } catch (RuntimeException e) {
                log.warn("could not stop {} during cleanup: {}", name, e.getMessage());
            }
        }
        if (!sysdir.isEmpty()) {
            lxc.unmountDisks(sysdir);
        }
        lxc.undefine(name);
    }
}
