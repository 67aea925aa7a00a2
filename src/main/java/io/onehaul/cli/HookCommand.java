package io.onehaul.cli;

import io.onehaul.hooks.HookContext;
import io.onehaul.hooks.HookPayload;
import io.onehaul.hooks.HookResult;
import io.onehaul.hooks.HostLeftoversHook;
import io.onehaul.hooks.MigrateAuditHook;
import io.onehaul.hooks.PlacementCheckHook;
import io.onehaul.hooks.SchedRequirementsHook;
import java.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code onehaul hook ...}: the OpenNebula hooks of the data-protection policy, run by onehem through
 * the shims in {@code hooks/} (templates there too). Each takes the base64 payload as its only argument
 * or on stdin (ARGUMENTS_STDIN=yes). Exit: 0 done (whatever the policy decided), 1 the hook could not
 * do its job, 2 bad input (nothing read from oned, nothing written). One line on stderr when an operator
 * should look: onehem keeps it in the hook log (`onehook show -x`).
 */
@Command(name = "hook", mixinStandardHelpOptions = true,
        description = "OpenNebula hooks of the data-protection policy (see hooks/README.md)",
        subcommands = {HookCommand.MigrateAudit.class, HookCommand.PlacementCheck.class,
                HookCommand.SchedRequirements.class, HookCommand.HostLeftovers.class})
public final class HookCommand implements Runnable {
    @Spec CommandSpec groupSpec;

    /** Without a subcommand: the usage, as a bad-input exit. */
    @Override
    public void run() {
        groupSpec.commandLine().usage(CliEnvironment.current().err());
        throw new ParameterException(groupSpec.commandLine(), "a subcommand is required");
    }

    /** Payload first: garbage is refused before the configuration is read or oned is asked anything. */
    abstract static class HookTool extends PcaCommand.ToolCommand {
        @Parameters(index = "0", arity = "0..1", paramLabel = "PAYLOAD",
                description = "the base64 payload; read from stdin when absent (ARGUMENTS_STDIN=yes)")
        String payload;

        abstract String what();

        abstract HookResult handle(String xml, HookContext ctx);

        @Override
        protected int run(CliEnvironment io) throws Exception {
            String xml = HookPayload.read(payload, io.in(), what());
            HookResult r = handle(xml, new HookContext(config(io), io.env(), Clock.systemUTC()));
            String name = spec == null ? "onehaul hook" : spec.qualifiedName();
            if (r.out() != null) {
                io.out().println(oneLine(r.out()));
            }
            if (r.err() != null) {
                io.err().println(name + ": " + oneLine(r.err()));
            }
            return r.exit();
        }
    }

    @Command(name = "migrate-audit", mixinStandardHelpOptions = true,
            description = {"API hook on one.vm.migrate (ARGUMENTS=\"$API\"): appends one audit record of the call",
                    "with the policy decision for the destination; a call oned refused is recorded too."})
    static final class MigrateAudit extends HookTool {
        @Override
        String what() {
            return "$API";
        }

        @Override
        HookResult handle(String xml, HookContext ctx) {
            return new MigrateAuditHook(ctx).run(xml);
        }
    }

    @Command(name = "placement-check", mixinStandardHelpOptions = true,
            description = {"State hook on VM ACTIVE/RUNNING (ARGUMENTS=\"$TEMPLATE\"): decides for the VM's current",
                    "host, audits, and on a refusal applies policy.remediation (notify, migrate-back, poweroff)."})
    static final class PlacementCheck extends HookTool {
        @Override
        String what() {
            return "$TEMPLATE";
        }

        @Override
        HookResult handle(String xml, HookContext ctx) {
            return new PlacementCheckHook(ctx).run(xml);
        }
    }

    @Command(name = "sched-requirements", mixinStandardHelpOptions = true,
            description = {"API hook on one.vm.allocate and one.vm.update (ARGUMENTS=\"$API\"): keeps the",
                    "SCHED_REQUIREMENTS of a regulated VM to the hosts the policy allows."})
    static final class SchedRequirements extends HookTool {
        @Override
        String what() {
            return "$API";
        }

        @Override
        HookResult handle(String xml, HookContext ctx) {
            return new SchedRequirementsHook(ctx).run(xml);
        }
    }

    @Command(name = "host-leftovers", mixinStandardHelpOptions = true,
            description = {"State hook on HOST MONITORED (ARGUMENTS=\"$TEMPLATE\"): cleans what live migrations left on",
                    "that host when it could not be reached after the destination ran (the journal in state.dir)."})
    static final class HostLeftovers extends HookTool {
        @Override
        String what() {
            return "$TEMPLATE";
        }

        @Override
        HookResult handle(String xml, HookContext ctx) {
            return new HostLeftoversHook(ActionContext.leftoverCleanup(ctx.config()), ActionContext.sshHosts(ctx.config()))
                    .run(xml);
        }
    }
}
