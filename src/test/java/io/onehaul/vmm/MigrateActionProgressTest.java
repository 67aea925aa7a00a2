package io.onehaul.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.onehaul.config.OneHaulConfig;
import io.onehaul.host.HostException;
import io.onehaul.migration.MigrationFailedException;
import io.onehaul.migration.MigrationRequest;
import io.onehaul.oned.OnedException;
import io.onehaul.opennebula.BadInputException;
import io.onehaul.opennebula.DriverMessage;
import io.onehaul.opennebula.HostXml;
import io.onehaul.opennebula.VmXml;
import io.onehaul.opennebula.VmmArgs;
import io.onehaul.policy.audit.AuditLog;
import io.onehaul.policy.decision.PolicySettings;
import io.onehaul.policy.guard.PlacementGuard;
import io.onehaul.progress.RecordedProgress;
import io.onehaul.testsupport.Fixtures;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lxc_live migrate tells the operator at once that a migration began, and at the end how it ended, with the
 * reason the VM log gets; these cases end before any host is changed.
 */
class MigrateActionProgressTest {
    @TempDir Path tmp;
    final RecordedProgress progress = new RecordedProgress();

    static MigrationRequest request() {
        DriverMessage m = DriverMessage.parse(Fixtures.text("0006-vmm-migrate.stdin.xml"));
        return MigrationRequest.from(VmmArgs.migrate(List.of("one-3", "h2", "h1", "3", "h1")), m, "/var/lib/one/datastores");
    }

    /** oned is out of reach for the guard; {@code mandatory} puts the policy in force. */
    PlacementGuard guard(boolean mandatory) {
        PlacementGuard.OnedLookup noOned = new PlacementGuard.OnedLookup() {
            @Override public VmXml vm(int id) { throw OnedException.configuration("no ONE_AUTH"); }
            @Override public HostXml host(String name) { throw OnedException.configuration("no ONE_AUTH"); }
        };
        return new PlacementGuard(noOned, tmp.resolve("no-pca/pca.crt"), tmp.resolve("no-pca/pca.crl"),
                new PolicySettings(Duration.ofMinutes(5), mandatory), new AuditLog(tmp.resolve("audit.jsonl")),
                Clock.systemUTC());
    }

    MigrateAction action(boolean mandatoryPolicy) {
        DriverSettings settings = DriverSettings.from(OneHaulConfig.of(Map.of(), Path.of("/root")));
        return new MigrateAction(settings, host -> {
            throw new HostException(host, "SSH connection failed: connect timed out");
        }, guard(mandatoryPolicy), routes -> null, "ssh", null).withProgress(progress);
    }

    @Test
    void aRefusalEndsAsFailedWithTheVmLogsReason() {
        MigrationFailedException e = assertThrows(MigrationFailedException.class, () -> action(true).migrate(request()));

        String vmLog = MigrateAction.failureText(e, "h1");
        assertEquals(List.of("phase preflight", "failed " + vmLog), progress.calls);
        assertEquals("not migrated, still running on h1: policy: cannot read VM 3 and host h2 from oned, so the "
                + "placement is refused: no ONE_AUTH", vmLog);
    }

    @Test
    void aMalformedTemplateValueIsBadInputBeforeAnyHostIsOpened() {
        String xml = Fixtures.text("0006-vmm-migrate.stdin.xml").replaceFirst("<CONTEXT>",
                "<NIC><NIC_ID>0</NIC_ID><BRIDGE>onebr0</BRIDGE><MAC>02:00:0a:e8:01:02</MAC><IP>10.232.1.2</IP></NIC>"
                + "<CONTEXT><ETH0_MASK><![CDATA[255.0.255.0]]></ETH0_MASK>");
        MigrationRequest r = MigrationRequest.from(VmmArgs.migrate(List.of("one-3", "h2", "h1", "3", "h1")),
                DriverMessage.parse(xml), "/var/lib/one/datastores");

        // the action's hosts fail any open: reaching this exception, not a HostException, means none was tried
        BadInputException e = assertThrows(BadInputException.class, () -> action(false).migrate(r));
        assertEquals("network mask '255.0.255.0' is not a run of ones then zeros", e.getMessage());
    }

    @Test
    void aHostOutOfReachEndsAsFailedWithItsReason() {
        HostException e = assertThrows(HostException.class, () -> action(false).migrate(request()));

        assertEquals(List.of("phase preflight", "failed " + e.getMessage()), progress.calls);
    }
}
