package io.onehaul.vmm;

import io.onehaul.host.HostShell;
import io.onehaul.host.HostShellFactory;
import io.onehaul.lxc.LxcHost;
import io.onehaul.migration.LiveMigration;
import io.onehaul.migration.MigrationSettings;
import io.onehaul.migration.StrategyChoice;
import io.onehaul.migration.MigrationFailedException;
import io.onehaul.migration.MigrationReport;
import io.onehaul.migration.MigrationRequest;
import io.onehaul.migration.Phase;
import io.onehaul.policy.guard.PlacementGuard;
import io.onehaul.policy.guard.PlacementRefusedException;
import io.onehaul.progress.MigrationProgress;
import io.onehaul.transfer.FileTransfer;
import io.onehaul.transfer.PathChoice;
import io.onehaul.transfer.Routes;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
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
    private final Function<Routes, FileTransfer> transfers;
    private final String transferSsh;
    private final Path logDir;
    private SettingsLayers layers = SettingsLayers.NONE;
    private MigrationProgress progress = MigrationProgress.NONE;
    private SourceLeftovers leftovers = SourceLeftovers.NONE;

    /**
     * @param transfers   the copier between hosts, along a migration's routes
     * @param transferSsh the ssh a host uses for another host (transfer.ssh_command)
     */
    public MigrateAction(DriverSettings settings, HostShellFactory hosts, PlacementGuard guard,
                         Function<Routes, FileTransfer> transfers, String transferSsh, Path logDir) {
        this.settings = settings;
        this.hosts = hosts;
        this.guard = guard;
        this.transfers = transfers;
        this.transferSsh = transferSsh;
        this.logDir = logDir;
    }

    /** Where the destination host's and its cluster's settings come from (oned, in the driver). */
    public MigrateAction withSettingsLayers(SettingsLayers l) {
        this.layers = l;
        return this;
    }

    /** Who is told the phases, the pre-sync's bytes and the outcome while the migration runs (oned, in the driver). */
    public MigrateAction withProgress(MigrationProgress p) {
        this.progress = p;
        return this;
    }

    /** Where a source that cannot be released after the destination runs has its leftovers recorded. */
    public MigrateAction withLeftovers(SourceLeftovers l) {
        this.leftovers = l;
        return this;
    }

    /**
     * Runs the migration and tells {@link #withProgress progress} how it ended: the report's summary, or the
     * same reason the VM log gets.
     */
    public MigrationReport migrate(MigrationRequest r) {
        progress.phase(Phase.PREFLIGHT.label()); // at once: an earlier migration's outcome may still be shown
        try {
            MigrationReport report = run(r);
            progress.done(report.summary());
            return report;
        } catch (MigrationFailedException e) {
            MigrationFailedException told = e.containerRunsOnSource() || "held".equals(e.report().result) ? e
                    : lookedAtAgain(r, e);
            progress.failed(failureText(told, r.sourceHost()));
            throw told;
        } catch (RuntimeException e) {
            progress.failed(e.getMessage());
            throw e;
        }
    }

    /**
     * "NOT running on the source" is what oned is told only after a fresh connection has looked: a rollback
     * whose connection broke may have resumed it all the same.
     */
    private MigrationFailedException lookedAtAgain(MigrationRequest r, MigrationFailedException e) {
        try (HostShell src = hosts.open(r.sourceHost())) {
            if (new LxcHost(src, settings.lxcPath()).runsFreely(r.container())) {
                log.warn("{} was found running on {} after the failed migration", r.container(), r.sourceHost());
                return new MigrationFailedException(e.getMessage() + " (looked at again afterwards: it runs on "
                        + r.sourceHost() + ")", true, e.report(), e.getCause());
            }
        } catch (RuntimeException lookFailed) {
            log.warn("{} could not be looked at again after the failed migration: {}", r.sourceHost(), lookFailed.getMessage());
        }
        return e;
    }

    /** The VM log's (and oned's ERROR's) reason for a migration that did not happen. */
    public static String failureText(MigrationFailedException e, String sourceHost) {
        return (e.containerRunsOnSource() ? "not migrated, still running on " + sourceHost + ": "
                : "not migrated and NOT running on " + sourceHost + ": ") + e.getMessage();
    }

    private MigrationReport run(MigrationRequest r) {
        List<Map<String, String>> destinationLayers = layers.forDestination(r.destinationHost());
        MigrationSettings chosen = MigrationSettingsResolver.resolve(settings.migration(), destinationLayers, r.vm());
        log.info("live migration of {} from {} to {} (strategies: {}, target freeze {} s)", r.container(), r.sourceHost(),
                r.destinationHost(), chosen.auto() ? MigrationSettings.AUTO : String.join(",", chosen.strategies()),
                chosen.targetFreezeSeconds());
        new ContainerSetup(settings).validate(r.vm(), r.container()); // bad input is refused before anything moves
        try {
            // The policy decides before any host is contacted: a refusal changes nothing anywhere.
            guard.check("migrate", r.vmid(), r.vm(), r.sourceHost(), r.destinationHost());
        } catch (PlacementRefusedException e) {
            MigrationReport refused = MigrationReport.refused(r, "?", e.getMessage());
            record(refused);
            throw new MigrationFailedException(e.getMessage(), true, refused, e);
        }
        PathChoice.Setting path = transferPath(destinationLayers, r.destinationHost());
        try (HostShell src = hosts.open(r.sourceHost()); HostShell dst = hosts.open(r.destinationHost());
             Routes routes = new Routes(transferSsh)) {
            settleEarlierAttempt(r, src, dst);
            var steps = new LxcCriuMigrationSteps(settings, src, dst, transfers.apply(routes), routes, path, progress)
                    .withLeftovers(leftovers);
            MigrationReport report = new LiveMigration(steps, Clock.systemUTC(),
                    (hosts, driver) -> StrategyChoice.choose(chosen, hosts, driver), chosen.coldFallback()).withProgress(progress).run(r);
            record(report);
            return report;
        } catch (MigrationFailedException e) {
            record(e.report());
            throw e;
        }
    }

    /**
     * What an earlier attempt whose driver died left: a held source (resolved as failmigrate would) and an
     * idle definition on the destination (its rollback could not reach the host), whose stale mounts would
     * otherwise be restored from.
     */
    private void settleEarlierAttempt(MigrationRequest r, HostShell src, HostShell dst) {
        if (r.sameHost()) {
            return;
        }
        LxcHost d = new LxcHost(dst, settings.lxcPath());
        new StaleHold(hosts, settings.lxcPath()).resolve(new LxcHost(src, settings.lxcPath()), r.container(),
                r.sourceSysdir(), new StaleHold.Destination(d, r.destinationSysdir()));
        StaleHold.releaseIdleCopy(d, r.container(), r.destinationSysdir());
    }

    /** The destination host's (else its cluster's) {@value PathChoice#SETTING}; auto when neither sets it. */
    public static PathChoice.Setting transferPath(List<Map<String, String>> clusterThenHost, String host) {
        PathChoice.Setting s = PathChoice.Setting.AUTO;
        for (Map<String, String> layer : clusterThenHost) {
            String v = layer.get(PathChoice.SETTING);
            if (v != null && !v.isBlank()) {
                s = PathChoice.Setting.parse(v, "host " + host + " or its cluster");
            }
        }
        return s;
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
