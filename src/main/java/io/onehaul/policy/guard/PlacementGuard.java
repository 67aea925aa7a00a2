package io.onehaul.policy.guard;

import io.onehaul.config.OneHaulConfig;
import io.onehaul.oned.OnedClient;
import io.onehaul.oned.OnedEndpoint;
import io.onehaul.oned.OnedException;
import io.onehaul.opennebula.HostXml;
import io.onehaul.opennebula.VmXml;
import io.onehaul.opennebula.Xml;
import io.onehaul.policy.audit.AuditLog;
import io.onehaul.policy.cert.TrustMaterial;
import io.onehaul.policy.decision.PolicyDecider;
import io.onehaul.policy.decision.PolicyDecision;
import io.onehaul.policy.decision.PolicySettings;
import io.onehaul.policy.decision.ReasonCode;
import io.onehaul.policy.facts.PolicyFactsReader;
import io.onehaul.policy.facts.VmPolicyFacts;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
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
     * Decides, records the decision in the audit log, and refuses unless it is ALLOW. Fails closed: an
     * unexpected error anywhere in reading or deciding is recorded as a DENY with INTERNAL_ERROR and
     * refuses the placement, saying so.
     *
     * @param operation  what asks (migrate, deploy, restore, save-migrate, clone, …), for the audit record
     * @param vmSeen     the VM as the driver received it (null when the caller has none, e.g. a TM line)
     * @return the ALLOW decision, or null when the move was let through unverified (no policy configured
     *         and oned unreachable, see {@link #readFromOned})
     * @throws PlacementRefusedException when the VM may not run on {@code toHost}
     */
    public PolicyDecision check(String operation, int vmid, VmXml vmSeen, String fromHost, String toHost) {
        Instant now = clock.instant();
        PolicyDecision d;
        try {
            d = decide(operation, vmid, vmSeen, fromHost, toHost, now);
        } catch (LetThroughUnverified e) {
            return null;
        } catch (PlacementRefusedException e) {
            throw e;
        } catch (RuntimeException e) {
            log.error("policy decision for VM {} on {} failed", vmid, toHost, e);
            Map<String, Object> f = base(operation, vmid, fromHost, toHost);
            f.put("decision", "DENY");
            f.put("reasons", List.of(Map.of("code", ReasonCode.INTERNAL_ERROR.name(), "detail", String.valueOf(e))));
            append(f, now);
            throw new PlacementRefusedException(internalError(vmid, toHost, String.valueOf(e)));
        }
        record(operation, fromHost, toHost, d, now);
        if (!d.allowed()) {
            if (d.has(ReasonCode.INTERNAL_ERROR)) {
                throw new PlacementRefusedException(internalError(vmid, toHost, d.reasons().get(0).detail()));
            }
            throw new PlacementRefusedException("policy refuses VM " + vmid + " on " + toHost + ": "
                    + d.toText().strip().replaceAll("\\s*\\n\\s*", "; "));
        }
        log.info("policy allows VM {} on {} ({})", vmid, toHost, d.codes());
        return d;
    }

    private static String internalError(int vmid, String toHost, String detail) {
        return "policy: internal error while deciding whether VM " + vmid + " may run on " + toHost
                + ", so the placement is refused (fail closed): " + detail;
    }

    /** The decision, not yet recorded. */
    private PolicyDecision decide(String operation, int vmid, VmXml vmSeen, String fromHost, String toHost,
                                  Instant now) {
        if (vmSeen != null && !isRegulated(vmSeen) && !settings.mandatory()) {
            // No regulation and none required: allowed whatever the host, without a round trip to oned on
            // every deploy. oned's copy could only differ by an update since the driver was called.
            return PolicyDecider.decideUnregulated(PolicyFactsReader.vm(vmSeen), toHost, settings, now);
        }
        VmXml vm = readFromOned(operation, vmid, vmSeen, fromHost, toHost, now, () -> oned.vm(vmid));
        VmPolicyFacts vmFacts = PolicyFactsReader.vm(vm);
        if (!vmFacts.regulated()) {
            return PolicyDecider.decideUnregulated(vmFacts, toHost, settings, now);
        }
        HostXml host = readFromOned(operation, vmid, vmSeen, fromHost, toHost, now, () -> oned.host(toHost));
        return PolicyDecider.decide(vmFacts, PolicyFactsReader.host(host), TrustMaterial.load(trustAnchor, crl),
                settings, now);
    }

    private static boolean isRegulated(VmXml vm) {
        return !vm.userAttribute(PolicyFactsReader.REGULATION).isEmpty()
                || vm.userTemplate().flatMap(u -> Xml.child(u, PolicyFactsReader.REGULATION)).isPresent();
    }

    /**
     * A read from oned; when oned cannot be read the placement is refused, except for a TM line (no VM
     * document) while no policy is configured: no regulated VM could pass deploy or restore then anyway, so
     * the move is let through, on the record ({@link LetThroughUnverified}).
     */
    private <T> T readFromOned(String operation, int vmid, VmXml vmSeen, String fromHost, String toHost, Instant now,
                               Supplier<T> read) {
        try {
            return read.get();
        } catch (OnedException e) {
            Map<String, Object> f = base(operation, vmid, fromHost, toHost);
            if (vmSeen == null && !policyActive()) {
                f.put("decision", "ALLOW-UNVERIFIED");
                f.put("reasons", List.of(Map.of("code", "ONED_UNAVAILABLE_POLICY_NOT_CONFIGURED",
                        "detail", String.valueOf(e.getMessage()))));
                append(f, now);
                log.warn("policy not configured and oned unreachable: VM {} allowed to {} unverified", vmid, toHost);
                throw new LetThroughUnverified();
            }
            f.put("decision", "DENY");
            f.put("reasons", List.of(Map.of("code", "ONED_UNAVAILABLE", "detail", String.valueOf(e.getMessage()))));
            append(f, now);
            throw new PlacementRefusedException("policy: cannot read VM " + vmid + " and host " + toHost
                    + " from oned, so the placement is refused: " + e.getMessage());
        }
    }

    /** Ends the decision early: recorded as ALLOW-UNVERIFIED, and check() returns null. */
    private static final class LetThroughUnverified extends RuntimeException {
        LetThroughUnverified() {
            super(null, null, false, false);
        }
    }

    /** A PCA trust anchor is installed, or regulation is mandatory: the policy is in force. */
    public boolean policyActive() {
        return settings.mandatory() || java.nio.file.Files.exists(trustAnchor);
    }

    private void record(String operation, String from, String to, PolicyDecision d, Instant now) {
        Map<String, Object> f = base(operation, d.vmId(), from, to);
        f.putAll(d.auditFields());
        f.put("event", "placement." + operation); // which driver step decided, as in every guard record
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
