package io.onehaul.cli;

import io.onehaul.policy.audit.AuditLog;
import io.onehaul.policy.audit.AuditVerification;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code onehaul audit verify}: checks the audit log's hash chain and its head file. */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Audit log", subcommands = {AuditCommand.Verify.class})
public final class AuditCommand implements Runnable {
    @Spec CommandSpec groupSpec;

    /** Without a subcommand: the usage, as a bad-input exit. */
    @Override
    public void run() {
        groupSpec.commandLine().usage(CliEnvironment.current().err());
        throw new ParameterException(groupSpec.commandLine(), "a subcommand is required");
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Check the hash chain of the audit log and its .head file.",
            "Prints OK, or the first broken seq; exit 0 intact, 1 broken, 2 bad input."})
    static final class Verify extends PcaCommand.ToolCommand {
        @Option(names = "--log", description = "the log (default: audit.log from the configuration)") Path log;

        @Override
        protected int run(CliEnvironment io) throws Exception {
            Path f = log != null ? log : config(io).auditLog();
            AuditVerification v = new AuditLog(f).verify();
            io.out().println(f + ": " + v.describe());
            return v.ok() ? OneHaul.OK : OneHaul.FAILED;
        }
    }
}
