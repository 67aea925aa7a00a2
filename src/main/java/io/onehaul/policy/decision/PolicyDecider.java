package io.onehaul.policy.decision;

import io.onehaul.policy.cert.AttributeCertificateChecker;
import io.onehaul.policy.cert.CertCheck;
import io.onehaul.policy.cert.CertProblem;
import io.onehaul.policy.cert.CertifiedAttributes;
import io.onehaul.policy.cert.Finding;
import io.onehaul.policy.cert.TrustMaterial;
import io.onehaul.policy.cert.TrustProblem;
import io.onehaul.policy.facts.Codes;
import io.onehaul.policy.facts.HostPolicyFacts;
import io.onehaul.policy.facts.VmPolicyFacts;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The data-protection decision: facts in, decision out. No I/O, no clock (the time is a parameter), and
 * it never throws — an unexpected failure is a DENY with INTERNAL_ERROR — so the migration path and the
 * hooks can call it without guarding it.
 *
 * <p>The rule (README "Data-protection policy"): a VM without REGULATION is allowed unless regulation
 * is mandatory. A regulated VM is allowed on a host only if the trust material is fit, both certificates
 * verify, are in date and unrevoked, are bound to this VM (id, UUID, owner) and this host (NAME) and
 * certify exactly the template's lists, the host's COUNTRY is one of the VM's COUNTRIES, and the VM's
 * ORGANIZATIONS contain "*" or at least one of the host's ORGANIZATIONS.
 */
public final class PolicyDecider {
    private PolicyDecider() {}

    public static PolicyDecision decide(VmPolicyFacts vm, HostPolicyFacts host, TrustMaterial trust,
                                        PolicySettings settings, Instant now) {
        int vmId = vm == null ? -1 : vm.vmId();
        String hostName = host == null ? "" : host.name();
        Instant time = now == null ? Instant.EPOCH : now;
        try {
            Objects.requireNonNull(vm, "vm facts");
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(now, "now");
            if (!vm.regulated()) {
                // Whether an unregulated VM may go anywhere depends on the setting alone: no host facts or
                // trust material are read for it, so callers may pass none.
                return unregulated(vm, hostName, settings, now);
            }
            Objects.requireNonNull(host, "host facts");
            Objects.requireNonNull(trust, "trust material");
            return evaluate(vm, host, trust, settings, now);
        } catch (RuntimeException e) {
            return new PolicyDecision(PolicyDecision.Outcome.DENY,
                    List.of(new Reason(ReasonCode.INTERNAL_ERROR, String.valueOf(e))), vmId, hostName, time);
        }
    }

    /**
     * A VM without REGULATION: allowed unless regulation is mandatory. With a host document, call
     * {@link #decide}; this form is for callers that know only the host's name (the driver's guard
     * does not ask oned for the host of an unregulated VM).
     */
    public static PolicyDecision decideUnregulated(VmPolicyFacts vm, String hostName, PolicySettings settings,
                                                   Instant now) {
        return decide(vm, new HostPolicyFacts(hostName, "", List.of(), null, List.of()), null, settings, now);
    }

    private static PolicyDecision unregulated(VmPolicyFacts vm, String hostName, PolicySettings settings, Instant now) {
        return settings.mandatory()
                ? new PolicyDecision(PolicyDecision.Outcome.DENY, List.of(new Reason(ReasonCode.NO_REGULATION_MANDATORY,
                        "VM " + vm.vmId() + " has no REGULATION and policy.mandatory is true")), vm.vmId(), hostName, now)
                : new PolicyDecision(PolicyDecision.Outcome.ALLOW, List.of(new Reason(ReasonCode.NO_REGULATION_ALLOWED,
                        "VM " + vm.vmId() + " has no REGULATION")), vm.vmId(), hostName, now);
    }

    private static PolicyDecision evaluate(VmPolicyFacts vm, HostPolicyFacts host, TrustMaterial trust,
                                           PolicySettings settings, Instant now) {
        List<Reason> deny = new ArrayList<>();
        checkVmFacts(vm, deny);
        boolean hostCountryUsable = checkHostFacts(host, deny);
        for (Finding<TrustProblem> f : trust.problems(now, settings.clockSkew())) {
            deny.add(new Reason(trustCode(f.kind()), f.detail()));
        }
        CertCheck vmCert = AttributeCertificateChecker.check(vm.certificate(), trust, now, settings.clockSkew());
        addCertProblems(vmCert, true, deny);
        vmCert.attributes().ifPresent(a -> checkVmBinding(a, vm, deny));
        CertCheck hostCert = AttributeCertificateChecker.check(host.certificate(), trust, now, settings.clockSkew());
        addCertProblems(hostCert, false, deny);
        hostCert.attributes().ifPresent(a -> checkHostBinding(a, host, deny));

        if (hostCountryUsable && !vm.countries().contains(host.country())) {
            deny.add(new Reason(ReasonCode.COUNTRY_NOT_ALLOWED, vm.countries().isEmpty()
                    ? "the VM allows no country (REGULATION/COUNTRIES is empty)"
                    : "host country " + host.country() + " is not in the VM's COUNTRIES " + vm.countries()));
        }
        if (!organizationAllowed(vm.organizations(), host.organizations())) {
            deny.add(new Reason(ReasonCode.ORGANIZATION_NOT_ALLOWED, vm.organizations().isEmpty()
                    ? "the VM allows no organisation (REGULATION/ORGANIZATIONS is empty; \"*\" allows any)"
                    : "none of the host's ORGANIZATIONS " + host.organizations() + " is in the VM's ORGANIZATIONS "
                            + vm.organizations()));
        }
        if (!deny.isEmpty()) {
            return deny(vm, host, now, deny);
        }
        String vmSerial = vmCert.certificate().map(c -> c.getSerialNumber().toString()).orElse("?");
        String hostSerial = hostCert.certificate().map(c -> c.getSerialNumber().toString()).orElse("?");
        return new PolicyDecision(PolicyDecision.Outcome.ALLOW, List.of(new Reason(ReasonCode.COMPLIANT,
                "country " + host.country() + " in " + vm.countries() + "; organisations " + host.organizations()
                        + " match " + vm.organizations() + "; VM certificate serial " + vmSerial
                        + ", host certificate serial " + hostSerial)), vm.vmId(), host.name(), now);
    }

    /** "*" allows any host, even one without organisations; otherwise the lists must intersect. */
    static boolean organizationAllowed(List<String> vmOrganizations, List<String> hostOrganizations) {
        return vmOrganizations.contains(Codes.ANY_ORGANIZATION)
                || !Collections.disjoint(vmOrganizations, hostOrganizations);
    }

    private static void checkVmFacts(VmPolicyFacts vm, List<Reason> deny) {
        if (vm.vmId() < 0 || vm.uuid().isEmpty() || vm.owner().isEmpty()) {
            deny.add(new Reason(ReasonCode.VM_IDENTITY_MISSING, "VM " + vm.vmId() + " lacks "
                    + (vm.vmId() < 0 ? "its ID" : vm.uuid().isEmpty() ? "TEMPLATE/OS/UUID" : "its owner (UNAME)")));
        }
        for (String p : vm.problems()) {
            deny.add(new Reason(ReasonCode.VM_REGULATION_INVALID, p));
        }
        List<String> badCountries = Codes.invalidCountries(vm.countries());
        if (!badCountries.isEmpty()) {
            deny.add(new Reason(ReasonCode.VM_REGULATION_INVALID,
                    "COUNTRIES holds codes that are not ISO 3166-1 alpha-2: " + badCountries));
        }
        List<String> badOrgs = Codes.invalidOrganizations(vm.organizations(), true);
        if (!badOrgs.isEmpty()) {
            deny.add(new Reason(ReasonCode.VM_REGULATION_INVALID, "ORGANIZATIONS holds invalid codes: " + badOrgs));
        }
    }

    /** Returns whether the host's country can take part in the country rule. */
    private static boolean checkHostFacts(HostPolicyFacts host, List<Reason> deny) {
        for (String p : host.problems()) {
            deny.add(new Reason(ReasonCode.HOST_ATTRIBUTES_INVALID, p));
        }
        boolean usable = true;
        if (host.country().isEmpty()) {
            deny.add(new Reason(ReasonCode.HOST_COUNTRY_MISSING, "host " + host.name() + " has no COUNTRY"));
            usable = false;
        } else if (!Codes.isCountry(host.country())) {
            deny.add(new Reason(ReasonCode.HOST_ATTRIBUTES_INVALID,
                    "host COUNTRY '" + host.country() + "' is not an ISO 3166-1 alpha-2 code"));
            usable = false;
        }
        List<String> badOrgs = Codes.invalidOrganizations(host.organizations(), false);
        if (!badOrgs.isEmpty()) {
            deny.add(new Reason(ReasonCode.HOST_ATTRIBUTES_INVALID, "host ORGANIZATIONS holds invalid codes: " + badOrgs));
        }
        return usable;
    }

    private static void checkVmBinding(CertifiedAttributes a, VmPolicyFacts vm, List<Reason> deny) {
        if (!(a instanceof CertifiedAttributes.Vm c)) {
            deny.add(new Reason(ReasonCode.VM_CERT_WRONG_VM, "the VM's certificate is for " + a.subject()));
            return;
        }
        if (c.vmId() != vm.vmId() || !c.uuid().equals(vm.uuid()) || !c.owner().equals(vm.owner())) {
            deny.add(new Reason(ReasonCode.VM_CERT_WRONG_VM, "certificate is for VM " + c.vmId() + " uuid " + c.uuid()
                    + " owner " + c.owner() + ", not VM " + vm.vmId() + " uuid " + vm.uuid() + " owner " + vm.owner()));
            return;
        }
        if (!c.countries().equals(vm.countries()) || !c.organizations().equals(vm.organizations())) {
            deny.add(new Reason(ReasonCode.VM_CERT_ATTRIBUTES_MISMATCH, "certificate states COUNTRIES " + c.countries()
                    + " ORGANIZATIONS " + c.organizations() + ", the template " + vm.countries() + " " + vm.organizations()));
        }
    }

    private static void checkHostBinding(CertifiedAttributes a, HostPolicyFacts host, List<Reason> deny) {
        if (!(a instanceof CertifiedAttributes.Host c)) {
            deny.add(new Reason(ReasonCode.HOST_CERT_WRONG_HOST, "the host's certificate is for " + a.subject()));
            return;
        }
        if (!c.hostName().equals(host.name())) {
            deny.add(new Reason(ReasonCode.HOST_CERT_WRONG_HOST,
                    "certificate is for host " + c.hostName() + ", not " + host.name()));
            return;
        }
        if (!c.country().equals(host.country()) || !c.organizations().equals(host.organizations())) {
            deny.add(new Reason(ReasonCode.HOST_CERT_ATTRIBUTES_MISMATCH, "certificate states COUNTRY " + c.country()
                    + " ORGANIZATIONS " + c.organizations() + ", the template " + host.country() + " " + host.organizations()));
        }
    }

    private static void addCertProblems(CertCheck check, boolean vm, List<Reason> deny) {
        for (Finding<CertProblem> f : check.problems()) {
            deny.add(new Reason(certCode(f.kind(), vm), (vm ? "VM" : "host") + " certificate: " + f.detail()));
        }
    }

    static ReasonCode certCode(CertProblem p, boolean vm) {
        return switch (p) {
            case MISSING -> vm ? ReasonCode.VM_CERT_MISSING : ReasonCode.HOST_CERT_MISSING;
            case MALFORMED -> vm ? ReasonCode.VM_CERT_MALFORMED : ReasonCode.HOST_CERT_MALFORMED;
            case BAD_SIGNATURE -> vm ? ReasonCode.VM_CERT_BAD_SIGNATURE : ReasonCode.HOST_CERT_BAD_SIGNATURE;
            case EXPIRED -> vm ? ReasonCode.VM_CERT_EXPIRED : ReasonCode.HOST_CERT_EXPIRED;
            case NOT_YET_VALID -> vm ? ReasonCode.VM_CERT_NOT_YET_VALID : ReasonCode.HOST_CERT_NOT_YET_VALID;
            case REVOKED -> vm ? ReasonCode.VM_CERT_REVOKED : ReasonCode.HOST_CERT_REVOKED;
        };
    }

    static ReasonCode trustCode(TrustProblem p) {
        return switch (p) {
            case ANCHOR_MISSING -> ReasonCode.TRUST_ANCHOR_MISSING;
            case ANCHOR_INVALID -> ReasonCode.TRUST_ANCHOR_INVALID;
            case CRL_MISSING -> ReasonCode.CRL_MISSING;
            case CRL_MALFORMED -> ReasonCode.CRL_MALFORMED;
            case CRL_BAD_SIGNATURE -> ReasonCode.CRL_BAD_SIGNATURE;
            case CRL_STALE -> ReasonCode.CRL_STALE;
            case CRL_NOT_YET_VALID -> ReasonCode.CRL_NOT_YET_VALID;
        };
    }

    private static PolicyDecision deny(VmPolicyFacts vm, HostPolicyFacts host, Instant now, List<Reason> reasons) {
        return new PolicyDecision(PolicyDecision.Outcome.DENY, reasons, vm.vmId(), host.name(), now);
    }
}
