package io.onehaul.tm;

import io.onehaul.oned.OnedClient;
import io.onehaul.oned.OnedEndpoint;
import io.onehaul.opennebula.HistoryRecord;
import io.onehaul.vmm.ActionFailedException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The system datastore a VM was in before its current placement. postmigrate's stdin carries only the
 * newest HISTORY record, so (like tm/ssh/postmigrate, reference §4.4) it asks oned for
 * {@code HISTORY[last()-1]/DS_ID}.
 */
@FunctionalInterface
public interface PreviousDatastore {
    int of(int vmid);

    /** From oned through {@code one.vm.info}; endpoint and session discovered as the OpenNebula tools do. */
    static PreviousDatastore fromOned(Map<String, String> env) {
        return vmid -> {
            String home = env.get("HOME");
            OnedClient oned = new OnedClient(OnedEndpoint.discover(null, null, env,
                    home == null || home.isBlank() ? null : Path.of(home)));
            return oned.vmInfo(vmid).previousHistory().map(HistoryRecord::datastoreId)
                    .orElseThrow(() -> new ActionFailedException("oned has no previous placement of VM " + vmid));
        };
    }
}
