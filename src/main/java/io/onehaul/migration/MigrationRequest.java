package io.onehaul.migration;

import io.onehaul.opennebula.BadInputException;
import io.onehaul.opennebula.DriverMessage;
import io.onehaul.opennebula.Names;
import io.onehaul.opennebula.VmXml;
import io.onehaul.opennebula.VmmArgs;

/**
 * One live migration as oned asked for it (reference §2.2): the message's HOST and DATASTORE are the
 * source, MIGR_HOST and the VM's only HISTORY record the destination, DISK_TARGET_PATH the new folder.
 */
public record MigrationRequest(int vmid, String container, String sourceHost, String destinationHost,
                               String sourceSysdir, String destinationSysdir, boolean sharedDatastore, VmXml vm) {

    public static MigrationRequest from(VmmArgs.Migrate args, DriverMessage msg, String datastoreLocation) {
        VmXml vm = msg.vm();
        if (vm.id() != args.vmid()) {
            throw new BadInputException("argv names VM " + args.vmid() + " but stdin describes VM " + vm.id());
        }
        if (!args.sourceHost().equals(msg.host())) {
            throw new BadInputException("migrate: argv source " + args.sourceHost() + " but message HOST " + msg.host());
        }
        if (!args.destinationHost().equals(msg.migrHost())) {
            throw new BadInputException("migrate: argv destination " + args.destinationHost() + " but message MIGR_HOST "
                    + msg.migrHost());
        }
        var history = vm.currentHistory()
                .orElseThrow(() -> new BadInputException("migrate: the VM in the message has no HISTORY record"));
        if (!history.hostname().equals(args.destinationHost())) {
            throw new BadInputException("migrate: the VM's history names " + history.hostname() + ", not the destination "
                    + args.destinationHost());
        }
        var ds = msg.datastore()
                .orElseThrow(() -> new BadInputException("migrate: the message has no DATASTORE (the source datastore)"));
        String source = datastoreLocation + "/" + ds.id() + "/" + vm.id();
        String destination = msg.diskTargetPath().isEmpty()
                ? datastoreLocation + "/" + history.datastoreId() + "/" + vm.id()
                : Names.absolutePath(msg.diskTargetPath(), "DISK_TARGET_PATH");
        // a rollback removes this folder on the destination: it must be a VM folder of this VM, nothing else
        if (!destination.matches(java.util.regex.Pattern.quote(datastoreLocation) + "/[0-9]+/" + vm.id())) {
            throw new BadInputException("migrate: DISK_TARGET_PATH " + destination + " is not " + datastoreLocation
                    + "/<datastore id>/" + vm.id());
        }
        return new MigrationRequest(vm.id(), args.deployId(), args.sourceHost(), args.destinationHost(), source,
                destination, ds.shared(), vm);
    }

    public boolean sameHost() {
        return sourceHost.equals(destinationHost);
    }

    @Override
    public String toString() {
        return container + " " + sourceHost + ":" + sourceSysdir + " -> " + destinationHost + ":" + destinationSysdir;
    }
}
