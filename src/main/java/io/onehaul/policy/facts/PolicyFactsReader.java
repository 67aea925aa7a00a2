package io.onehaul.policy.facts;

import io.onehaul.opennebula.HostXml;
import io.onehaul.opennebula.VmXml;
import io.onehaul.opennebula.Xml;
import java.util.ArrayList;
import java.util.List;
import org.w3c.dom.Element;

/**
 * Reads the policy facts out of oned's documents. Where they live (oned 7.5.80):
 * VM {@code USER_TEMPLATE/REGULATION/{COUNTRIES,ORGANIZATIONS,CERTIFICATE}} (a vector attribute, so
 * the VM must come from one.vm.info: one.vmpool.info drops it), {@code TEMPLATE/OS/UUID}, {@code UNAME};
 * host {@code TEMPLATE/{COUNTRY,ORGANIZATIONS,PRIVACY_CERTIFICATE}}.
 *
 * <p>Never throws for odd content: anything ambiguous becomes a problem the decision turns into a
 * refusal, because a policy check must fail closed, not crash the caller.
 */
public final class PolicyFactsReader {
    public static final String REGULATION = "REGULATION";
    public static final String COUNTRIES = "COUNTRIES";
    public static final String ORGANIZATIONS = "ORGANIZATIONS";
    public static final String CERTIFICATE = "CERTIFICATE";
    public static final String HOST_COUNTRY = "COUNTRY";
    public static final String HOST_ORGANIZATIONS = "ORGANIZATIONS";
    public static final String HOST_CERTIFICATE = "PRIVACY_CERTIFICATE";

    private PolicyFactsReader() {}

    public static VmPolicyFacts vm(VmXml vm) {
        List<Element> regulations = vm.userTemplate().map(u -> Xml.children(u, REGULATION)).orElse(List.of());
        if (regulations.isEmpty()) {
            return VmPolicyFacts.unregulated(vm.id(), vm.uuid(), vm.owner());
        }
        List<String> problems = new ArrayList<>();
        if (regulations.size() > 1) {
            // two REGULATION vectors: which one the owner meant is unknowable, so neither counts
            problems.add("USER_TEMPLATE has " + regulations.size() + " REGULATION attributes");
        }
        Element r = regulations.get(0);
        if (Xml.children(r, null).isEmpty() && !r.getTextContent().isBlank()) {
            problems.add("REGULATION is a single value, not a vector [COUNTRIES=..., ORGANIZATIONS=..., CERTIFICATE=...]");
        }
        for (String sub : List.of(COUNTRIES, ORGANIZATIONS, CERTIFICATE)) {
            if (Xml.children(r, sub).size() > 1) {
                problems.add("REGULATION has " + sub + " more than once");
            }
        }
        return new VmPolicyFacts(vm.id(), vm.uuid(), vm.owner(), true,
                Codes.parseList(Xml.text(r, COUNTRIES)), Codes.parseList(Xml.text(r, ORGANIZATIONS)),
                CertificateBlob.fromBase64(Xml.text(r, CERTIFICATE)), problems);
    }

    public static HostPolicyFacts host(HostXml host) {
        Element template = Xml.child(host.element(), "TEMPLATE").orElse(null);
        List<String> problems = new ArrayList<>();
        for (String a : List.of(HOST_COUNTRY, HOST_ORGANIZATIONS, HOST_CERTIFICATE)) {
            if (Xml.children(template, a).size() > 1) {
                problems.add("host TEMPLATE has " + a + " more than once");
            }
        }
        String country = host.templateAttribute(HOST_COUNTRY);
        if (country.contains(",")) {
            problems.add("host COUNTRY must be one country code, got '" + country + "'");
        }
        return new HostPolicyFacts(host.name(), country, Codes.parseList(host.templateAttribute(HOST_ORGANIZATIONS)),
                CertificateBlob.fromBase64(host.templateAttribute(HOST_CERTIFICATE)), problems);
    }
}
