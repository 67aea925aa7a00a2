package io.onehaul.cli;

import io.onehaul.config.OneHaulConfig;
import io.onehaul.host.HostShellFactory;
import io.onehaul.host.SshHostShell;
import io.onehaul.log.VmLogContext;
import io.onehaul.opennebula.DriverMessage;
import io.onehaul.opennebula.DriverStdin;
import io.onehaul.policy.guard.PlacementGuard;
import io.onehaul.transfer.DirectRsync;
import io.onehaul.transfer.LinkShaping;
import io.onehaul.leftover.LeftoverJournal;
import io.onehaul.vmm.CleaningHosts;
import io.onehaul.vmm.ContainerLifecycle;
import io.onehaul.vmm.LeftoverCleanup;
import io.onehaul.vmm.SourceLeftovers;
import io.onehaul.vmm.DriverSettings;
import io.onehaul.vmm.MigrateAction;
import io.onehaul.vmm.SettingsLayers;
import io.onehaul.oned.OnedEndpoint;
import io.onehaul.oned.OnedException;
import io.onehaul.progress.MigrationProgress;
import io.onehaul.progress.OnedProgress;
import java.io.PrintStream;
import io.onehaul.inflight.VmClaim;
import java.nio.file.Path;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a driver action gets: its settings, a way to reach hosts, and oned's stdin. */
public final class ActionContext {
    private static final Logger log = LoggerFactory.getLogger(ActionContext.class);
    private final CliEnvironment io;
    private final OneHaulConfig config;
    private String stdinXml;

    ActionContext(CliEnvironment io, OneHaulConfig config) {
        this.io = io;
        this.config = config;
    }

    public OneHaulConfig config() {
        return config;
    }

    public DriverSettings settings() {
        return DriverSettings.from(config);
    }

    /**
     * How every action reaches hosts: SSH, and the cleaning of leftovers recorded for a host before anything
     * else is done there ({@link CleaningHosts}).
     */
    public HostShellFactory hosts() {
        return new CleaningHosts(sshHosts(config), leftoverCleanup(config));
    }

    static HostShellFactory sshHosts(OneHaulConfig config) {
        return SshHostShell.factory(new SshHostShell.Settings(config.sshUser(), config.sshPort(),
                config.sshIdentities(), config.sshKnownHosts(), config.sshConnectTimeout(), config.sudo()));
    }

    /** The journal of leftovers on hosts that could not be reached: {@code <state.dir>/leftovers}. */
    static LeftoverJournal leftoverJournal(OneHaulConfig config) {
        return new LeftoverJournal(config.stateDir().resolve("leftovers"));
    }

    static LeftoverCleanup leftoverCleanup(OneHaulConfig config) {
        return new LeftoverCleanup(DriverSettings.from(config), leftoverJournal(config));
    }

    public PlacementGuard guard() {
        return PlacementGuard.from(config, io.env());
    }

    public ContainerLifecycle lifecycle() {
        return new ContainerLifecycle(settings(), hosts(), guard());
    }

    public MigrateAction migrateAction(int vmid) {
        String logDir = config.logDir();
        java.nio.file.Path dir = java.nio.file.Files.isDirectory(java.nio.file.Path.of(logDir)) ? java.nio.file.Path.of(logDir) : null;
        LinkShaping shaping = linkShaping(); // a bad transfer.* value refuses before anything moves
        return new MigrateAction(settings(), hosts(), guard(),
                routes -> new DirectRsync(routes, config.transferRemoteRsync(), shaping), config.transferSsh(), dir)
                .withSettingsLayers(SettingsLayers.fromOned(config, io.env())).withProgress(migrationProgress(vmid))
                .withLeftovers(new SourceLeftovers(leftoverJournal(config), Clock.systemUTC()));
    }

    /** Compression and the bandwidth cap of every copy between hosts (transfer.compress, transfer.bwlimit_mbit). */
    public LinkShaping linkShaping() {
        return new LinkShaping(config.transferCompress(), config.transferBwlimitMbit());
    }

    /**
     * The VM's ONEHAUL_MIGRATION_* attributes through oned when a session for it is found (as the other oned
     * readers find it: $ONE_AUTH, ~/.one/one_auth, oneadmin's), else nobody is told.
     */
    public MigrationProgress migrationProgress(int vmid) {
        try {
            String home = io.env().getOrDefault("HOME", System.getProperty("user.home", "/"));
            OnedEndpoint oned = OnedEndpoint.discover(null, null, io.env(), Path.of(home));
            return OnedProgress.forVm(vmid, oned, Clock.systemUTC());
        } catch (OnedException e) {
            log.info("migration progress of VM {} is not published as VM attributes: {}", vmid, e.getMessage());
            return MigrationProgress.NONE;
        }
    }

    /** Tags every later log line with the VM id, so oned puts it in that VM's log. */
    /** Claims the VM for this action for as long as it runs ({@link VmClaim}); refused if another holds it. */
    public VmClaim claim(int vmid, String action) {
        return VmClaim.claim(config.stateDir().resolve("inflight"), vmid, action, java.time.Instant.now());
    }

    public void vm(int vmid) {
        VmLogContext.setVm(vmid);
    }

    public String stdinXml(String what) {
        if (stdinXml == null) {
            stdinXml = DriverStdin.readXml(io.in(), what);
        }
        return stdinXml;
    }

    public DriverMessage message() {
        return DriverMessage.parse(stdinXml("driver message"));
    }

    public PrintStream stdout() {
        return io.out();
    }
}
