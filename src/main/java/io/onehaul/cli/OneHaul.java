package io.onehaul.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code onehaul}: the one program behind every driver shim, hook and operator command.
 * Exit codes: 0 done, 1 the action failed, 2 bad input (nothing was changed).
 */
@Command(name = "onehaul", mixinStandardHelpOptions = true, versionProvider = OneHaul.Version.class,
        description = "OneHaul: live migration of LXC containers for OpenNebula.",
        subcommands = {VmmCommand.class, TmCommand.class, PcaCommand.class, PolicyCommand.class, AuditCommand.class, HookCommand.class})
public final class OneHaul {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int BAD_INPUT = 2;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cl = new CommandLine(new OneHaul());
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("onehaul: " + ex.getMessage());
            return BAD_INPUT;
        });
        return cl.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = OneHaul.class.getPackage().getImplementationVersion();
            return new String[] {"onehaul " + (v == null ? "dev" : v)};
        }
    }
}
