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
import io.onehaul.vmm.ContainerLifecycle;
import io.onehaul.vmm.DriverSettings;
import io.onehaul.vmm.MigrateAction;
import io.onehaul.vmm.SettingsLayers;
import java.io.PrintStream;

/** What a driver action gets: its settings, a way to reach hosts, and oned's stdin. */
public final class ActionContext {
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

    public HostShellFactory hosts() {
        return SshHostShell.factory(new SshHostShell.Settings(config.sshUser(), config.sshPort(),
                config.sshIdentities(), config.sshKnownHosts(), config.sshConnectTimeout(), config.sudo()));
    }

    public PlacementGuard guard() {
        return PlacementGuard.from(config, io.env());
    }

    public ContainerLifecycle lifecycle() {
        return new ContainerLifecycle(settings(), hosts(), guard());
    }

    public MigrateAction migrateAction() {
        String logDir = config.logDir();
        java.nio.file.Path dir = java.nio.file.Files.isDirectory(java.nio.file.Path.of(logDir)) ? java.nio.file.Path.of(logDir) : null;
        LinkShaping shaping = linkShaping(); // a bad transfer.* value refuses before anything moves
        return new MigrateAction(settings(), hosts(), guard(),
                routes -> new DirectRsync(routes, config.transferRemoteRsync(), shaping), config.transferSsh(), dir).withSettingsLayers(SettingsLayers.fromOned(config, io.env()));
    }

    /** Compression and the bandwidth cap of every copy between hosts (transfer.compress, transfer.bwlimit_mbit). */
    public LinkShaping linkShaping() {
        return new LinkShaping(config.transferCompress(), config.transferBwlimitMbit());
    }

    /** Tags every later log line with the VM id, so oned puts it in that VM's log. */
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
