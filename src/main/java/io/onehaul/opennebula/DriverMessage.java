package io.onehaul.opennebula;

import java.util.Optional;
import org.w3c.dom.Element;

/**
 * {@code <VMM_DRIVER_ACTION_DATA>}: what one_vmm_exec gives every VMM action except deploy
 * (reference §1.6). For a live migration HOST is the source, MIGR_HOST the destination, DATASTORE
 * the previous system DS and the VM's only HISTORY record already the new placement.
 */
public record DriverMessage(String host, String migrHost, String deployId, String localDeploymentFile,
                            String remoteDeploymentFile, String checkpointFile, String tmCommand,
                            String tmCommandRollback, String diskTargetPath, VmXml vm,
                            Optional<DatastoreXml> datastore) {

    public static DriverMessage parse(String xml) {
        Element root = Xml.parseRoot(xml, "VMM_DRIVER_ACTION_DATA", "driver message");
        Element vmElement = Xml.child(root, "VM")
                .orElseThrow(() -> new BadInputException("driver message has no <VM>"));
        return new DriverMessage(
                Xml.text(root, "HOST"),
                Xml.text(root, "MIGR_HOST"),
                Xml.text(root, "DEPLOY_ID"),
                Xml.text(root, "LOCAL_DEPLOYMENT_FILE"),
                Xml.text(root, "REMOTE_DEPLOYMENT_FILE"),
                Xml.text(root, "CHECKPOINT_FILE"),
                Xml.text(root, "TM_COMMAND"),
                Xml.text(root, "TM_COMMAND_ROLLBACK"),
                Xml.text(root, "DISK_TARGET_PATH"),
                VmXml.of(vmElement),
                Xml.child(root, "DATASTORE").map(DatastoreXml::from));
    }
}
