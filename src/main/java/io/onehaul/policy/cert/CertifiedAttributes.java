package io.onehaul.policy.cert;

import io.onehaul.policy.facts.Codes;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * What an attribute certificate states about its subject. The holder's entity name is derived from
 * the binding ({@code CN=vm/<id>/<uuid>} or {@code CN=host/<name>}), so a VM certificate can never be
 * mistaken for a host certificate and vice versa.
 */
public sealed interface CertifiedAttributes {
    String VM_PREFIX = "vm/";
    String HOST_PREFIX = "host/";

    /** The holder's common name. */
    String subject();

    List<String> organizations();

    default X500Name holderName() {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, subject()).build();
    }

    /** A VM's regulation, bound to the VM's id, UUID and owner. Lists are normalised. */
    record Vm(int vmId, String uuid, String owner, List<String> countries, List<String> organizations)
            implements CertifiedAttributes {
        public Vm {
            uuid = Objects.requireNonNull(uuid, "uuid").strip();
            owner = Objects.requireNonNull(owner, "owner").strip();
            countries = Codes.normalise(countries);
            organizations = Codes.normalise(organizations);
        }

        @Override
        public String subject() {
            return VM_PREFIX + vmId + "/" + uuid;
        }
    }

    /** A host's location, bound to the host's NAME. */
    record Host(String hostName, String country, List<String> organizations) implements CertifiedAttributes {
        public Host {
            hostName = Objects.requireNonNull(hostName, "hostName").strip();
            country = Codes.normalise(country);
            organizations = Codes.normalise(organizations);
        }

        @Override
        public String subject() {
            return HOST_PREFIX + hostName;
        }
    }
}
