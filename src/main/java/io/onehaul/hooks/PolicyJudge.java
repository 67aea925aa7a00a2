package io.onehaul.hooks;

import io.onehaul.config.OneHaulConfig;
import io.onehaul.opennebula.HostXml;
import io.onehaul.opennebula.VmXml;
import io.onehaul.policy.cert.TrustMaterial;
import io.onehaul.policy.decision.PolicyDecider;
import io.onehaul.policy.decision.PolicyDecision;
import io.onehaul.policy.decision.PolicySettings;
import io.onehaul.policy.facts.HostPolicyFacts;
import io.onehaul.policy.facts.PolicyFactsReader;
import io.onehaul.policy.facts.VmPolicyFacts;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The policy decision for the hooks: oned's documents in, {@link PolicyDecider}'s decision out. The PCA
 * certificate and CRL are read once per run (sched-requirements judges every host of the pool) and
 * only when a decision is actually needed, so a refused call never touches them.
 */
public final class PolicyJudge {
    private final Path trustAnchor;
    private final Path crl;
    private final PolicySettings settings;
    private TrustMaterial trust;

    public PolicyJudge(Path trustAnchor, Path crl, PolicySettings settings) {
        this.trustAnchor = trustAnchor;
        this.crl = crl;
        this.settings = settings;
    }

    public static PolicyJudge from(OneHaulConfig c) {
        return new PolicyJudge(c.policyTrustAnchor(), c.policyCrl(),
                new PolicySettings(c.policyClockSkew(), c.policyMandatory()));
    }

    /** Never throws (the decider turns surprises into DENY INTERNAL_ERROR). */
    public Judgement judge(VmXml vm, HostXml host, Instant now) {
        VmPolicyFacts v = PolicyFactsReader.vm(vm);
        HostPolicyFacts h = PolicyFactsReader.host(host);
        if (trust == null) {
            trust = TrustMaterial.load(trustAnchor, crl);
        }
        return new Judgement(PolicyDecider.decide(v, h, trust, settings, now), v, h);
    }

    /** A decision with the facts it was made on, for the audit record. */
    public record Judgement(PolicyDecision decision, VmPolicyFacts vm, HostPolicyFacts host) {
        public boolean allowed() {
            return decision.allowed();
        }

        /** "COUNTRY_NOT_ALLOWED,ORGANIZATION_NOT_ALLOWED": short enough for a log line or a template value. */
        public String codes() {
            return String.join(",", decision.codes().stream().map(Enum::name).toList());
        }

        /** decision, decided_at, reasons, and the SHA-256 of each certificate that is present. */
        public Map<String, Object> auditFields() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("decision", decision.outcome().name());
            f.put("decided_at", decision.time().toString());
            f.put("reasons", decision.reasons().stream()
                    .map(r -> Map.of("code", r.code().name(), "detail", r.detail())).toList());
            CertFingerprint.of(vm.certificate()).ifPresent(s -> f.put("vm_cert_sha256", s));
            CertFingerprint.of(host.certificate()).ifPresent(s -> f.put("host_cert_sha256", s));
            return f;
        }
    }
}
