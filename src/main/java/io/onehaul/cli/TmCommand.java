package io.onehaul.cli;

import io.onehaul.opennebula.BadInputException;
import io.onehaul.opennebula.VmXml;
import io.onehaul.tm.ContextFolder;
import io.onehaul.tm.DiskFiles;
import io.onehaul.tm.ImageCopy;
import io.onehaul.tm.MigrateSteps;
import io.onehaul.tm.MoveFolder;
import io.onehaul.tm.PreviousDatastore;
import io.onehaul.tm.TmArgs;
import io.onehaul.tm.TmSettings;
import io.onehaul.transfer.LinkShaping;
import io.onehaul.transfer.DirectRsync;
import io.onehaul.transfer.FileTransfer;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code onehaul tm <action> <argv…>}: the actions of the system-datastore TM "onehaul", called by the
 * shims in remotes/tm/onehaul with exactly the argv oned wrote (reference §4.2). Transfer-file lines
 * (mv, delete, clone, ln, mkimage, mkswap, context) get empty stdin; pre/post/failmigrate get the VM.
 */
@Command(name = "tm", description = "onehaul TM driver actions (called by one_tm and one_vmm_exec through the shims)",
        subcommands = {TmCommand.Premigrate.class, TmCommand.Postmigrate.class, TmCommand.Failmigrate.class,
                TmCommand.Settle.class,
                TmCommand.Mv.class, TmCommand.Delete.class, TmCommand.Context.class, TmCommand.MkImage.class,
                TmCommand.MkSwap.class, TmCommand.Clone.class, TmCommand.Ln.class})
public final class TmCommand {

    /** The shared frame: argv as given, settings, and the VM id tagging every log line once known. */
    abstract static class TmAction extends DriverAction {
        @Parameters(arity = "0..*") List<String> argv = List.of();

        @Override
        protected String driver() {
            return "tm";
        }

        static TmSettings settings(ActionContext ctx) {
            return TmSettings.from(ctx.config());
        }

        /**
         * Every line that writes a VM's data on a host asks the placement policy first and refuses before
         * anything is written (the refusal is the line's failure, so oned puts it in the VM log). A TM line
         * carries no VM document: the guard reads the VM and the host from oned. The front-end's own
         * datastores (clone sources, stop/undeploy) are not a placement on a host.
         */
        static void beforeWritingOn(ActionContext ctx, String operation, int vmid, String fromHost, String host) {
            if (!settings(ctx).isFrontend(host)) {
                ctx.guard().check(operation, vmid, null, fromHost, host);
            }
        }

        static FileTransfer hostToHost(ActionContext ctx) {
            TmSettings s = settings(ctx);
            return new DirectRsync(s.hostSsh(), s.remoteRsync(), ctx.linkShaping());
        }
    }

    /** pre/post/failmigrate: argv checked, then stdin (base64 {@code <VM>}) must describe the same VM. */
    abstract static class MigrateAction extends TmAction {
        @Override
        protected int execute(ActionContext ctx) {
            TmSettings s = settings(ctx);
            TmArgs.Migrate a = s.args().migrate(action(), argv);
            ctx.vm(a.vmid());
            VmXml vm = VmXml.parse(ctx.stdinXml("VM XML"));
            if (vm.id() != a.vmid()) {
                throw new BadInputException("argv names VM " + a.vmid() + " but stdin describes VM " + vm.id());
            }
            if (action().equals("premigrate") && !a.fromOtherTm() && !a.srcHost().equals(a.dstHost())) {
                // The first driver step of a live migration: the policy refuses here, before anything moves.
                ctx.guard().check("premigrate", a.vmid(), vm, a.srcHost(), a.dstHost());
            }
            step(new MigrateSteps(s, ctx.hosts(), PreviousDatastore.fromOned(CliEnvironment.current().env())), a);
            return 0;
        }

        abstract void step(MigrateSteps steps, TmArgs.Migrate a);
    }

    @Command(name = "premigrate", description = "<src_host> <dst_host> <new_sysdir> <vmid> <new_dsid> [caller_tm]; stdin: base64 <VM>")
    static final class Premigrate extends MigrateAction {
        @Override
        protected String action() {
            return "premigrate";
        }

        @Override
        void step(MigrateSteps steps, TmArgs.Migrate a) {
            steps.premigrate(a);
        }
    }

    @Command(name = "postmigrate", description = "<src_host> <dst_host> <new_sysdir> <vmid> <new_dsid> [caller_tm]; stdin: base64 <VM>")
    static final class Postmigrate extends MigrateAction {
        @Override
        protected String action() {
            return "postmigrate";
        }

        @Override
        void step(MigrateSteps steps, TmArgs.Migrate a) {
            steps.postmigrate(a);
        }
    }

    @Command(name = "failmigrate", description = "<src_host> <dst_host> <new_sysdir> <vmid> <new_dsid> [caller_tm]; stdin: base64 <VM>")
    static final class Failmigrate extends MigrateAction {
        @Override
        protected String action() {
            return "failmigrate";
        }

        @Override
        void step(MigrateSteps steps, TmArgs.Migrate a) {
            steps.failmigrate(a);
        }
    }

    /**
     * failmigrate started by hand, for a migration whose source could not be reached when it failed (the VM
     * log names this command with its arguments): the same argv, no stdin, and the VM's claim so it never
     * runs beside another action on the VM.
     */
    @Command(name = "settle", description = "<src_host> <dst_host> <new_sysdir> <vmid> <new_dsid>: settle a failed "
            + "live migration as failmigrate does (the source resumes, the destination's copy goes)")
    static final class Settle extends TmAction {
        @Override
        protected String action() {
            return "settle";
        }

        @Override
        protected int execute(ActionContext ctx) {
            TmSettings s = settings(ctx);
            TmArgs.Migrate a = s.args().migrate(action(), argv);
            if (a.fromOtherTm() || a.sameHost()) {
                throw new BadInputException("settle: a migration between two hosts, without a caller TM");
            }
            ctx.vm(a.vmid());
            try (var claim = ctx.claim(a.vmid(), "settle")) {
                new MigrateSteps(s, ctx.hosts(), PreviousDatastore.fromOned(CliEnvironment.current().env())).failmigrate(a);
            }
            return 0;
        }
    }

    @Command(name = "mv", description = "<src_host:path> <dst_host:path> <vmid> <dsid>")
    static final class Mv extends TmAction {
        @Override
        protected String action() {
            return "mv";
        }

        @Override
        protected int execute(ActionContext ctx) {
            TmArgs.Move a = settings(ctx).args().move(argv);
            ctx.vm(a.vmid());
            if (!a.srcHost().equals(a.dstHost()) && a.dst().isVmFolder()) {
                // Cold migration of a powered-off or suspended VM and resume after stop/undeploy are only
                // MV lines: the data must not reach a host the policy forbids, even at rest. (A disk line
                // writes nothing: the folder line moves the disks with it.)
                beforeWritingOn(ctx, "mv", a.vmid(), a.srcHost(), a.dstHost());
            }
            TmSettings s = settings(ctx);
            LinkShaping shaping = ctx.linkShaping();   // a bad transfer.* value refuses before any host is contacted
            var layers = io.onehaul.vmm.SettingsLayers.fromOned(ctx.config(), CliEnvironment.current().env());
            new MoveFolder(s, ctx.hosts(), routes -> new DirectRsync(routes, s.remoteRsync(), shaping),
                    host -> io.onehaul.vmm.MigrateAction.transferPath(layers.forDestination(host), host)).run(a);
            return 0;
        }
    }

    @Command(name = "delete", description = "<host:path> <vmid> <dsid>")
    static final class Delete extends TmAction {
        @Override
        protected String action() {
            return "delete";
        }

        @Override
        protected int execute(ActionContext ctx) {
            TmArgs.Delete a = settings(ctx).args().delete(argv);
            ctx.vm(a.vmid());
            new DiskFiles(settings(ctx), ctx.hosts()).delete(a);
            return 0;
        }
    }

    @Command(name = "context", description = "<context.sh> [file…] <host:sysdir/disk.i> <vmid> <dsid>")
    static final class Context extends TmAction {
        @Override
        protected String action() {
            return "context";
        }

        @Override
        protected int execute(ActionContext ctx) {
            TmArgs.Context a = settings(ctx).args().context(argv);
            ctx.vm(a.vmid());
            beforeWritingOn(ctx, "context", a.vmid(), "", a.host());
            new ContextFolder(settings(ctx), ctx.hosts()).run(a);
            return 0;
        }
    }

    @Command(name = "mkimage", description = "<size_mb> <format> <host:path> <vmid> <dsid>")
    static final class MkImage extends TmAction {
        @Override
        protected String action() {
            return "mkimage";
        }

        @Override
        protected int execute(ActionContext ctx) {
            TmArgs.NewDisk a = settings(ctx).args().mkimage(argv);
            ctx.vm(a.vmid());
            beforeWritingOn(ctx, "mkimage", a.vmid(), "", a.host());
            new DiskFiles(settings(ctx), ctx.hosts()).mkimage(a);
            return 0;
        }
    }

    @Command(name = "mkswap", description = "<size_mb> <host:path> <vmid> <dsid>")
    static final class MkSwap extends TmAction {
        @Override
        protected String action() {
            return "mkswap";
        }

        @Override
        protected int execute(ActionContext ctx) {
            TmArgs.NewDisk a = settings(ctx).args().mkswap(argv);
            ctx.vm(a.vmid());
            beforeWritingOn(ctx, "mkswap", a.vmid(), "", a.host());
            new DiskFiles(settings(ctx), ctx.hosts()).mkswap(a);
            return 0;
        }
    }

    @Command(name = "clone", description = "<fe:SOURCE|host:SOURCE> <host:sysdir/disk.i> <vmid> <dsid>")
    static class Clone extends TmAction {
        @Override
        protected String action() {
            return "clone";
        }

        @Override
        protected int execute(ActionContext ctx) {
            TmArgs.Clone a = settings(ctx).args().clone(action(), argv);
            ctx.vm(a.vmid());
            beforeWritingOn(ctx, action(), a.vmid(), a.sourceHost(), a.host());
            new ImageCopy(settings(ctx), ctx.hosts(), hostToHost(ctx)).run(action(), a);
            return 0;
        }
    }

    /** ln copies like clone: the system datastore is not shared (as the ssh TM's ln, a link to clone). */
    @Command(name = "ln", description = "<fe:SOURCE|host:SOURCE> <host:sysdir/disk.i> <vmid> <dsid>")
    static final class Ln extends Clone {
        @Override
        protected String action() {
            return "ln";
        }
    }
}
