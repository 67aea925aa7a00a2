package io.onehaul.cli;

import io.onehaul.inflight.VmClaim;
import io.onehaul.opennebula.DriverMessage;
import io.onehaul.opennebula.VmXml;
import io.onehaul.opennebula.VmmArgs;
import io.onehaul.vmm.ContainerLifecycle;
import io.onehaul.vmm.MigrateAction;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code onehaul vmm <action> <argv…>}: the lxc_live VMM actions, called by the shims in
 * remotes/vmm/lxc_live with exactly the argv one_vmm_exec gives them and its message on stdin.
 */
@Command(name = "vmm", description = "lxc_live VMM driver actions (called by one_vmm_exec through the shims)",
        subcommands = {VmmCommand.Deploy.class, VmmCommand.Shutdown.class, VmmCommand.Cancel.class,
                VmmCommand.Reboot.class, VmmCommand.Reset.class, VmmCommand.Save.class,
                VmmCommand.Restore.class, VmmCommand.Migrate.class, VmmCommand.NotSupported.class})
public final class VmmCommand {

    @Command(name = "deploy", description = "deploy <deployment_file> <host> <vmid> <host>; stdin: base64 <VM>")
    static final class Deploy extends DriverAction {
        @Parameters(arity = "0..*") List<String> argv = List.of();

        @Override
        protected String action() {
            return "deploy";
        }

        @Override
        protected int execute(ActionContext ctx) {
            VmmArgs.Deploy a = VmmArgs.deploy(argv);
            ctx.vm(a.vmid());
            VmXml vm = VmXml.parse(ctx.stdinXml("deployment file"));
            String deployId = ctx.lifecycle().deploy(a, vm);
            ctx.stdout().println(deployId);
            return 0;
        }
    }

    /** shutdown, cancel, reboot, reset: {@code <deploy_id> <host> <vmid> <host>}, stdin the driver message. */
    abstract static class OnContainerAction extends DriverAction {
        @Parameters(arity = "0..*") List<String> argv = List.of();

        abstract void apply(ContainerLifecycle lifecycle, VmmArgs.OnContainer args, DriverMessage msg);

        @Override
        protected int execute(ActionContext ctx) {
            VmmArgs.OnContainer a = VmmArgs.onContainer(action(), argv);
            ctx.vm(a.vmid());
            apply(ctx.lifecycle(), a, ctx.message());
            return 0;
        }
    }

    @Command(name = "shutdown", description = "shutdown <deploy_id> <host> <vmid> <host>; stdin: base64 driver message")
    static final class Shutdown extends OnContainerAction {
        @Override
        protected String action() {
            return "shutdown";
        }

        @Override
        void apply(ContainerLifecycle l, VmmArgs.OnContainer a, DriverMessage m) {
            l.stop(a, m, false);
        }
    }

    @Command(name = "cancel", description = "cancel <deploy_id> <host> <vmid> <host>; stdin: base64 driver message")
    static final class Cancel extends OnContainerAction {
        @Override
        protected String action() {
            return "cancel";
        }

        @Override
        void apply(ContainerLifecycle l, VmmArgs.OnContainer a, DriverMessage m) {
            l.stop(a, m, true);
        }
    }

    @Command(name = "reboot", description = "reboot <deploy_id> <host> <vmid> <host>; stdin: base64 driver message")
    static final class Reboot extends OnContainerAction {
        @Override
        protected String action() {
            return "reboot";
        }

        @Override
        void apply(ContainerLifecycle l, VmmArgs.OnContainer a, DriverMessage m) {
            l.reboot(a, m);
        }
    }

    @Command(name = "reset", description = "reset <deploy_id> <host> <vmid> <host>; stdin: base64 driver message")
    static final class Reset extends OnContainerAction {
        @Override
        protected String action() {
            return "reset";
        }

        @Override
        void apply(ContainerLifecycle l, VmmArgs.OnContainer a, DriverMessage m) {
            l.reset(a, m);
        }
    }

    @Command(name = "save", description = "save <deploy_id> <checkpoint> <host> <vmid> <host>; stdin: base64 driver message")
    static final class Save extends DriverAction {
        @Parameters(arity = "0..*") List<String> argv = List.of();

        @Override
        protected String action() {
            return "save";
        }

        @Override
        protected int execute(ActionContext ctx) {
            VmmArgs.Save a = VmmArgs.save(argv);
            ctx.vm(a.vmid());
            try (VmClaim claim = ctx.claim(a.vmid(), "save")) {
                ctx.lifecycle().save(a, ctx.message());
            }
            return 0;
        }
    }

    @Command(name = "restore", description = "restore <checkpoint> <host> <deploy_id> <vmid> <host>; stdin: base64 driver message")
    static final class Restore extends DriverAction {
        @Parameters(arity = "0..*") List<String> argv = List.of();

        @Override
        protected String action() {
            return "restore";
        }

        @Override
        protected int execute(ActionContext ctx) {
            VmmArgs.Restore a = VmmArgs.restore(argv);
            ctx.vm(a.vmid());
            DriverMessage m = ctx.message();
            try (VmClaim claim = ctx.claim(a.vmid(), "restore")) {
                ctx.lifecycle().restore(a, m);
            }
            return 0;
        }
    }

    @Command(name = "migrate", description = "migrate <deploy_id> <dst_host> <src_host> <vmid> <src_host>; stdin: base64 driver message")
    static final class Migrate extends DriverAction {
        @Parameters(arity = "0..*") List<String> argv = List.of();

        @Override
        protected String action() {
            return "migrate";
        }

        @Override
        protected int execute(ActionContext ctx) {
            VmmArgs.Migrate a = VmmArgs.migrate(argv);
            ctx.vm(a.vmid());
            var request = io.onehaul.migration.MigrationRequest.from(a, ctx.message(), ctx.settings().datastoreLocation());
            try (VmClaim claim = ctx.claim(a.vmid(), "migrate")) {
                ctx.migrateAction(a.vmid()).migrate(request);
                return 0;
            } catch (io.onehaul.migration.MigrationFailedException e) {
                throw new io.onehaul.vmm.ActionFailedException(MigrateAction.failureText(e, a.sourceHost()), e);
            }
        }
    }

    @Command(name = "not-supported", description = "what every action lxc_live does not implement answers")
    static final class NotSupported extends DriverAction {
        @Parameters(index = "0", arity = "0..1") String what = "this action";
        @Parameters(index = "1..*", arity = "0..*") List<String> rest = List.of();

        @Override
        protected String action() {
            return what;
        }

        @Override
        protected int execute(ActionContext ctx) {
            throw new io.onehaul.vmm.ActionFailedException(what + " is not supported by lxc_live");
        }
    }
}
