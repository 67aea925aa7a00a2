package io.onehaul.cli;

import io.onehaul.config.OneHaulConfig;
import io.onehaul.oned.OnedClient;
import io.onehaul.oned.OnedEndpoint;
import io.onehaul.opennebula.HostXml;
import io.onehaul.opennebula.VmXml;
import io.onehaul.policy.audit.AuditLog;
import io.onehaul.policy.cert.TrustMaterial;
import io.onehaul.policy.decision.PolicyDecider;
import io.onehaul.policy.decision.PolicyDecision;
import io.onehaul.policy.decision.PolicySettings;
import io.onehaul.policy.facts.PolicyFactsReader;
import java.nio.file.Path;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code onehaul policy check VM HOST}: the data-protection decision for a VM on a host, from oned's data. */
@Command(name = "policy", mixinStandardHelpOptions = true,
        description = "Data-protection policy", subcommands = {PolicyCommand.Check.class, PolicyCommand.Identity.class})
public final class PolicyCommand implements Runnable {
    @Spec CommandSpec groupSpec;

    /** Without a subcommand: the usage, as a bad-input exit. */
    @Override
    public void run() {
        groupSpec.commandLine().usage(CliEnvironment.current().err());
        throw new ParameterException(groupSpec.commandLine(), "a subcommand is required");
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"May VM run on HOST? Reads both from oned (one.vm.info, one.host.info).",
            "Exit: 0 allow, 1 deny (or oned unreachable), 2 bad input (unknown VM or host, bad arguments)."})
    static final class Check extends PcaCommand.ToolCommand {
        @Parameters(index = "0", paramLabel = "VM", description = "VM ID") String vm;
        @Parameters(index = "1", paramLabel = "HOST", description = "host ID or NAME") String host;
        @Option(names = "--json", description = "print the decision as JSON") boolean json;
        @Option(names = "--audit", description = "append the decision to the audit log (audit.log)") boolean audit;
        @Option(names = "--endpoint", description = "oned XML-RPC URL (default: $ONE_XMLRPC, one_endpoint, localhost)")
        String endpoint;

        @Override
        protected int run(CliEnvironment io) throws Exception {
            int vmId = id(vm, "VM");
            OneHaulConfig config = config(io);
            OnedClient oned = oned(io, endpoint);
            VmXml vmXml = oned.vmInfo(vmId);
            HostXml hostXml = host.matches("\\d+") ? oned.hostInfo(id(host, "host")) : oned.hostByName(host);
            Instant now = Instant.now();
            PolicyDecision d = PolicyDecider.decide(PolicyFactsReader.vm(vmXml), PolicyFactsReader.host(hostXml),
                    TrustMaterial.load(config.policyTrustAnchor(), config.policyCrl()),
                    new PolicySettings(config.policyClockSkew(), config.policyMandatory()), now);
            io.out().print(json ? d.toJson() + "\n" : d.toText());
            if (audit) {
                // after printing, so the operator sees the decision even when the log cannot be written
                new AuditLog(config.auditLog()).append(d.auditFields(), now);
            }
            return d.allowed() ? OneHaul.OK : OneHaul.FAILED;
        }

    }

    /**
     * {@code onehaul policy identity VM}: what a VM certificate is bound to, read from oned, as the
     * arguments of {@code onehaul pca issue-vm} (the PCA machine has no oned to ask).
     */
    @Command(name = "identity", mixinStandardHelpOptions = true,
            description = {"Print what a VM certificate binds (ID, TEMPLATE/OS/UUID, owner UNAME), read from oned,",
                    "as the arguments of `onehaul pca issue-vm`. Exit: 0, 1 oned unreachable, 2 bad input."})
    static final class Identity extends PcaCommand.ToolCommand {
        @Parameters(index = "0", paramLabel = "VM", description = "VM ID") String vm;
        @Option(names = "--endpoint", description = "oned XML-RPC URL (default: $ONE_XMLRPC, one_endpoint, localhost)")
        String endpoint;

        @Override
        protected int run(CliEnvironment io) throws Exception {
            VmXml v = oned(io, endpoint).vmInfo(id(vm, "VM"));
            String uuid = v.uuid();
            if (uuid.isEmpty()) {
                throw new IllegalArgumentException("VM " + v.id() + " has no TEMPLATE/OS/UUID: oned sets it at allocation");
            }
            io.out().print("--vm-id " + v.id() + " --uuid " + uuid + " --owner " + v.owner() + "\n");
            return OneHaul.OK;
        }
    }

    static OnedClient oned(CliEnvironment io, String endpoint) {
        String home = io.env().getOrDefault("HOME", System.getProperty("user.home"));
        return new OnedClient(OnedEndpoint.discover(endpoint, null, io.env(),
                home == null || home.isBlank() ? null : Path.of(home)));
    }

    static int id(String s, String what) {
        if (!s.matches("\\d{1,9}")) {
            throw new IllegalArgumentException(what + " must be a numeric ID, got '" + s + "'");
        }
        return Integer.parseInt(s);
    }
}
