package io.onehaul.testsupport;

import io.onehaul.migration.MigrationRequest;
import io.onehaul.opennebula.DriverMessage;
import io.onehaul.opennebula.VmmArgs;
import java.util.List;

/** A live migration request as oned sends it (VM 3, h1 to h2), for specs of the orchestration. */
public final class MigrationRequests {
    private MigrationRequests() {}

    public static MigrationRequest oneThreeToH2(boolean sharedDatastore) {
        DriverMessage m = DriverMessage.parse(Fixtures.text("0006-vmm-migrate.stdin.xml"));
        MigrationRequest r = MigrationRequest.from(VmmArgs.migrate(List.of("one-3", "h2", "h1", "3", "h1")), m,
                "/var/lib/one/datastores");
        return new MigrationRequest(r.vmid(), r.container(), r.sourceHost(), r.destinationHost(), r.sourceSysdir(),
                r.destinationSysdir(), sharedDatastore, r.vm());
    }
}
