package io.onehaul.vmm;

import io.onehaul.host.HostShell;
import io.onehaul.host.HostShellFactory;
import io.onehaul.migration.LiveMigration;
import io.onehaul.migration.MigrationSettings;
import io.onehaul.migration.StrategyChoice;
import java.util.List;
import io.onehaul.migration.MigrationFailedException;
import io.onehaul.migration.MigrationReport;
import io.onehaul.migration.MigrationRequest;
import io.onehaul.policy.guard.PlacementGuard;
import io.onehaul.policy.guard.PlacementRefusedException;
import io.onehaul.transfer.FileTransfer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * lxc_live {@code migrate}: opens both hosts (outside the freeze), runs the live migration, and leaves
 * its report as a JSON line in the driver's log folder and a summary line in the VM log.
 */
public final class MigrateAction {
    private static final Logger log = LoggerFactory.getLogger(MigrateAction.class);
    public static final String REPORT_FILE = "onehaul-migrations.jsonl";

    private final DriverSettings settings;
    private final HostShellFactory hosts;
    private final PlacementGuard guard;
    private final FileTransfer transfer;
    private final String transferSsh;
    private final Path logDir;
    private SettingsLayers layers = SettingsLayers.NONE;

    public MigrateAction(DriverSettings settings, HostShellFactory hosts, PlacementGuard guard, FileTransfer transfer,
                         String transferSsh, Path logDir) {
        this.settings = settings;
        this.hosts = hosts;
        this.guard = guard;
        this.transfer = transfer;
        this.transferSsh = transferSsh;
        this.logDir = logDir;
    }

    /** Where the destination host's and its cluster's settings come from (oned, in the driver). */
    public MigrateAction withSettingsLayers(SettingsLayers l) {
        this.layers = l;
        return this;
    }

    public MigrationReport migrate(MigrationRequest r) {
        MigrationSettings chosen = MigrationSettingsResolver.resolve(settings.migration(),
                layers.forDestination(r.destinationHost()), r.vm());
        log.info("live migration of {} from {} to {} (strategies: {}, target freeze {} s)", r.container(), r.sourceHost(),
                r.destinationHost(), chosen.auto() ? MigrationSettings.AUTO : String.join(",", chosen.strategies()),
                chosen.targetFreezeSeconds());
        try {
            // The policy decides before any host is contacted: a refusal changes nothing anywhere.
            guard.check("migrate", r.vmid(), r.vm(), r.sourceHost(), r.destinationHost());
        } catch (PlacementRefusedException e) {
            MigrationReport refused = MigrationReport.refused(r, "?", e.getMessage());
            record(refused);
            throw new MigrationFailedException(e.getMessage(), true, refused, e);
        }
        try (HostShell src = hosts.open(r.sourceHost()); HostShell dst = hosts.open(r.destinationHost())) {
            var steps = new LxcCriuMigrationSteps(settings, src, dst, transfer, transferSsh);
            MigrationReport report = new LiveMigration(steps, Clock.systemUTC(),
                    features -> StrategyChoice.choose(chosen, features), chosen.coldFallback()).run(r);
            record(report);
            return report;
        } catch (MigrationFailedException e) {
            record(e.report());
            throw e;
        }
    }

    private void record(MigrationReport report) {
        if ("success".equals(report.result)) {
            log.info(report.summary());
        } else {
            log.error(report.summary());
        }
        if (logDir == null) {
            return;
        }
        try {
            Files.writeString(logDir.resolve(REPORT_FILE), report.toJson() + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            log.warn("could not append the migration report to {}: {}", logDir.resolve(REPORT_FILE), e.getMessage());
        }
    }
}
