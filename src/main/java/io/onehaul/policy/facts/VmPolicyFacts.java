package io.onehaul.policy.facts;

import java.util.List;
import java.util.Objects;

/**
 * What the policy needs to know about a VM, already read from oned: its identity (the id, plus the
 * UUID oned assigns at allocation, which a delete-and-recreate does not keep, and the owner), whether
 * it has a REGULATION at all, the regulation's lists and its certificate.
 *
 * @param vmId the VM's ID
 * @param uuid {@code TEMPLATE/OS/UUID}
 * @param owner {@code UNAME}
 * @param regulated true when the USER_TEMPLATE has a REGULATION attribute (even an empty one)
 * @param countries allowed countries, normalised by {@link Codes#normalise(java.util.Collection)}
 * @param organizations allowed organisations, normalised; may contain {@link Codes#ANY_ORGANIZATION}
 * @param certificate {@code REGULATION/CERTIFICATE}
 * @param problems what made the regulation unreadable (e.g. REGULATION given twice); empty normally
 */
public record VmPolicyFacts(int vmId, String uuid, String owner, boolean regulated, List<String> countries,
                            List<String> organizations, CertificateBlob certificate, List<String> problems) {
    public VmPolicyFacts {
        uuid = Objects.requireNonNullElse(uuid, "").strip();
        owner = Objects.requireNonNullElse(owner, "").strip();
        countries = Codes.normalise(Objects.requireNonNullElse(countries, List.of()));
        organizations = Codes.normalise(Objects.requireNonNullElse(organizations, List.of()));
        certificate = Objects.requireNonNullElse(certificate, CertificateBlob.absent());
        problems = List.copyOf(Objects.requireNonNullElse(problems, List.of()));
    }

    /** A regulated VM without extraction problems. */
    public static VmPolicyFacts regulated(int vmId, String uuid, String owner, List<String> countries,
                                          List<String> organizations, CertificateBlob certificate) {
        return new VmPolicyFacts(vmId, uuid, owner, true, countries, organizations, certificate, List.of());
    }

    /** A VM whose USER_TEMPLATE has no REGULATION. */
    public static VmPolicyFacts unregulated(int vmId, String uuid, String owner) {
        return new VmPolicyFacts(vmId, uuid, owner, false, List.of(), List.of(), CertificateBlob.absent(), List.of());
    }
}
