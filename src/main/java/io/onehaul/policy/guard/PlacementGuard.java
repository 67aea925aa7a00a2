package io.onehaul.policy.guard;

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
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data-protection check inside the drivers: before a VM is placed on a host (live or cold
 * migration, deploy, resume), decide from oned's current data and refuse before anything moves.
 * Hooks cannot veto (reference §5.3), so this is where a refusal has teeth. Fails closed: a
 * regulated VM whose data cannot be read from oned is refused. Every decision goes to the audit log.
 */
public final class PlacementGuard {
    private static final Logger log = LoggerFactory.getLogger(PlacementGuard.class);

    /** Port: oned's current view of the VM and the host. */
    public interface OnedLookup {
        VmXml vm(int id);

        HostXml host(String name);
    }

    private final OnedLookup oned;
    private final Path trustAnchor;
    private final Path crl;
    private final PolicySettings settings;
    private final AuditLog audit;
    private final Clock clock;

    public PlacementGuard(OnedLookup oned, Path trustAnchor, Path crl, PolicySettings settings, AuditLog audit,
                          Clock clock) {
        this.oned = oned;
        this.trustAnchor = trustAnchor;
        this.crl = crl;
        this.settings = settings;
        this.audit = audit;
        this.clock = clock;
    }

    public static PlacementGuard from(OneHaulConfig c, Map<String, String> env) {
        OnedLookup lookup = new OnedLookup() {
            private OnedClient client;

            private OnedClient client() {
                if (client == null) {
                    String home = env.getOrDefault("HOME", System.getProperty("user.home", "/"));
                    client = new OnedClient(OnedEndpoint.discover(null, null, env, Path.of(home)));
                }
                return client;
            }

            @Override
            public VmXml vm(int id) {
                return client().vmInfo(id);
            }

            @Override
            public HostXml host(String name) {
                return client().hostByName(name);
            }
        };
        return new PlacementGuard(lookup, c.policyTrustAnchor(), c.policyCrl(),
                new PolicySettings(c.policyClockSkew(), c.policyMandatory()), new AuditLog(c.auditLog()),
                Clock.systemUTC());
    }

    /**
     * @param operation  what asks (migrate, deploy, restore, save-migrate, …), for the audit record
     * @param vmSeen     the VM as the driver received it (null when the caller has none, e.g. TM mv)
     * @throws PlacementRefusedException when the VM may not run on {@code toHost}
     */
    public PolicyDecision check(String operation, int vmid, VmXml vmSeen, String fromHost, String toHost) {
        Instant now = clock.instant();
        boolean regulated = vmSeen == null || !vmSeen.userAttribute(PolicyFactsReader.REGULATION).isEmpty()
                || vmSeen.userTemplate().flatMap(u -> io.onehaul.opennebula.Xml.child(u, PolicyFactsReader.REGULATION))
                        .isPresent();
        VmXml vm;
        HostXml host;
        if (!regulated && !settings.mandatory()) {
            // No regulation and none required: allowed whatever the host (the decider says so too),
            // without a round trip to oned on every deploy.
            PolicyDecision d = PolicyDecider.decide(PolicyFactsReader.vm(vmSeen), null, null, settings, now);
            record(operation, fromHost, toHost, d, now);
            return d;
        }
        try {
            vm = oned.vm(vmid);
            host = oned.host(toHost);
        } catch (RuntimeException e) {
            Map<String, Object> f = base(operation, vmid, fromHost, toHost);
            if (vmSeen == null && !policyActive()) {
                // A TM line has no VM document; with no PCA configured and no oned to ask, no regulated VM
                // could pass anyway at deploy/restore. Let the move through, on the record.
                f.put("decision", "ALLOW-UNVERIFIED");
                f.put("reasons", java.util.List.of(Map.of("code", "ONED_UNAVAILABLE_POLICY_NOT_CONFIGURED",
                        "detail", String.valueOf(e.getMessage()))));
                append(f, now);
                log.warn("policy not configured and oned unreachable: VM {} allowed to {} unverified", vmid, toHost);
                return null;
            }
            f.put("decision", "DENY");
            f.put("reasons", java.util.List.of(Map.of("code", "ONED_UNAVAILABLE", "detail", String.valueOf(e.getMessage()))));
            append(f, now);
            throw new PlacementRefusedException("policy: cannot read VM " + vmid + " and host " + toHost
                    + " from oned, so the placement is refused: " + e.getMessage());
        }
        PolicyDecision d = PolicyDecider.decide(PolicyFactsReader.vm(vm), PolicyFactsReader.host(host),
                TrustMaterial.load(trustAnchor, crl), settings, now);
        record(operation, fromHost, toHost, d, now);
        if (!d.allowed()) {
            throw new PlacementRefusedException("policy refuses VM " + vmid + " on " + toHost + ": "
                    + d.toText().strip().replaceAll("\\s*\\n\\s*", "; "));
        }
        log.info("policy allows VM {} on {} ({})", vmid, toHost, d.codes());
        return d;
    }

    /** A PCA trust anchor is installed, or regulation is mandatory: the policy is in force. */
    public boolean policyActive() {
        return settings.mandatory() || java.nio.file.Files.exists(trustAnchor);
    }

    private void record(String operation, String from, String to, PolicyDecision d, Instant now) {
        Map<String, Object> f = base(operation, d.vmId(), from, to);
        f.putAll(d.auditFields());
        f.put("host", to);
        append(f, now);
    }

    private static Map<String, Object> base(String operation, int vmid, String from, String to) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("event", "placement." + operation);
        f.put("actor", "lxc_live driver");
        f.put("vm_id", vmid);
        f.put("from", from == null ? "" : from);
        f.put("to", to);
        return f;
    }

    private void append(Map<String, Object> fields, Instant now) {
        try {
            audit.append(fields, now);
        } catch (Exception e) {
            // A decision that cannot be audited must not let a placement through silently.
            throw new PlacementRefusedException("policy: the audit log " + audit.path() + " cannot be written: "
                    + e.getMessage());
        }
    }
}
