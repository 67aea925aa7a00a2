package io.onehaul.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.onehaul.oned.OnedException;
import io.onehaul.opennebula.HostXml;
import io.onehaul.opennebula.VmXml;
import io.onehaul.policy.audit.AuditLog;
import io.onehaul.policy.decision.PolicyDecision;
import io.onehaul.policy.decision.PolicySettings;
import io.onehaul.policy.guard.PlacementGuard;
import io.onehaul.policy.guard.PlacementRefusedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guard inside the drivers: what it decides, what it asks oned, and above all what it writes to the
 * audit log. An allowed placement is recorded as allowed with its real reason, a refused one as DENY,
 * and a failure inside the decision path refuses the placement (fail closed) and says so.
 */
class PlacementGuardTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;
    TestPki pki;
    Path audit;
    FakeOned oned;

    /** oned's view, and the calls the guard made. */
    static final class FakeOned implements PlacementGuard.OnedLookup {
        String vm;
        String h2Country = "US";
        RuntimeException failure;
        final List<String> calls = new ArrayList<>();
        Function<String, HostXml> host;

        @Override
        public VmXml vm(int id) {
            calls.add("vm " + id);
            if (failure != null) {
                throw failure;
            }
            return VmXml.parse(vm);
        }

        @Override
        public HostXml host(String name) {
            calls.add("host " + name);
            return host.apply(name);
        }
    }

    @BeforeEach
    void setUp() {
        pki = TestPki.create(tmp.resolve("pca"));
        pki.publishCrl(TestPki.NOW.minus(Duration.ofHours(1)), Duration.ofDays(7));
        audit = tmp.resolve("log/audit.jsonl");
        oned = new FakeOned();
        oned.vm = OnedDocuments.withVmCertificate(OnedDocuments.vm(),
                TestPki.base64(pki.issue(TestPki.vmAttributes(List.of("ES", "DE"), List.of("ACME")))));
        oned.host = name -> HostXml.parse(host(name.equals("h2") ? 8 : 7, name, name.equals("h2") ? oned.h2Country : "ES"));
    }

    String host(int id, String name, String country) {
        return OnedDocuments.withHostCertificate(OnedDocuments.relocatedHost(OnedDocuments.host(), id, name, country),
                TestPki.base64(pki.issue(TestPki.hostAttributes(name, country, List.of("ACME")))));
    }

    PlacementGuard guard(boolean mandatory) {
        return guard(mandatory, pki.pca.certificateFile());
    }

    PlacementGuard guard(boolean mandatory, Path trustAnchor) {
        return new PlacementGuard(oned, trustAnchor, pki.pca.defaultCrlFile(),
                new PolicySettings(TestPki.SKEW, mandatory), new AuditLog(audit),
                Clock.fixed(TestPki.NOW, ZoneOffset.UTC));
    }

    static VmXml unregulated(String vm) {
        return VmXml.parse(OnedDocuments.withoutRegulation(vm));
    }

    List<JsonNode> records() throws IOException {
        List<JsonNode> r = new ArrayList<>();
        for (String line : Files.readAllLines(audit)) {
            r.add(JSON.readTree(line));
        }
        return r;
    }

    JsonNode onlyRecord() throws IOException {
        List<JsonNode> r = records();
        assertEquals(1, r.size(), r.toString());
        return r.get(0);
    }

    static String firstCode(JsonNode rec) {
        return rec.path("reasons").path(0).path("code").asText();
    }

    @Test
    void an_unregulated_vm_the_driver_received_is_allowed_and_recorded_as_allowed_without_asking_oned()
            throws IOException {
        PolicyDecision d = guard(false).check("deploy", 4, unregulated(oned.vm), "", "h2");

        assertTrue(d.allowed(), d.toText());
        assertEquals(List.of(), oned.calls, "no round trip to oned for a VM without REGULATION");
        JsonNode rec = onlyRecord();
        assertEquals("ALLOW", rec.path("decision").asText(), rec.toString());
        assertEquals("NO_REGULATION_ALLOWED", firstCode(rec), rec.toString());
        assertEquals("placement.deploy", rec.path("event").asText(), "the operation, not the decider's event name");
        assertEquals("h2", rec.path("host").asText());
        assertTrue(!rec.toString().contains("INTERNAL_ERROR"), rec.toString());
    }

    @Test
    void an_unregulated_vm_on_a_tm_line_is_read_from_oned_and_allowed_without_reading_the_host() throws IOException {
        oned.vm = OnedDocuments.withoutRegulation(oned.vm);

        PolicyDecision d = guard(false).check("clone", 4, null, "", "h2");

        assertTrue(d.allowed(), d.toText());
        assertEquals(List.of("vm 4"), oned.calls);
        JsonNode rec = onlyRecord();
        assertEquals("ALLOW", rec.path("decision").asText(), rec.toString());
        assertEquals("NO_REGULATION_ALLOWED", firstCode(rec));
    }

    @Test
    void every_guarded_operation_records_an_unregulated_vm_as_allowed() throws IOException {
        PlacementGuard g = guard(false);
        oned.vm = OnedDocuments.withoutRegulation(oned.vm);
        List<String> operations = List.of("deploy", "restore", "migrate", "premigrate", "save-migrate",
                "shutdown-migrate", "cancel-migrate", "mv", "clone", "ln", "mkimage", "mkswap", "context");
        for (String op : operations) {
            boolean tmLine = op.matches("mv|clone|ln|mkimage|mkswap|context");
            g.check(op, 4, tmLine ? null : VmXml.parse(oned.vm), "h1", "h2");
        }
        List<JsonNode> recs = records();
        assertEquals(operations.size(), recs.size());
        for (JsonNode rec : recs) {
            assertEquals("ALLOW", rec.path("decision").asText(), rec.toString());
            assertEquals("NO_REGULATION_ALLOWED", firstCode(rec), rec.toString());
        }
    }

    @Test
    void an_unregulated_vm_is_refused_and_recorded_as_denied_when_regulation_is_mandatory() throws IOException {
        oned.vm = OnedDocuments.withoutRegulation(oned.vm);
        PlacementRefusedException e = assertThrows(PlacementRefusedException.class,
                () -> guard(true).check("deploy", 4, VmXml.parse(oned.vm), "", "h2"));

        assertTrue(e.getMessage().contains("NO_REGULATION_MANDATORY"), e.getMessage());
        JsonNode rec = onlyRecord();
        assertEquals("DENY", rec.path("decision").asText());
        assertEquals("NO_REGULATION_MANDATORY", firstCode(rec));
    }

    @Test
    void a_regulated_vm_is_refused_on_a_non_compliant_host_and_the_refusal_is_recorded() throws IOException {
        PlacementRefusedException e = assertThrows(PlacementRefusedException.class,
                () -> guard(false).check("clone", 4, null, "", "h2"));

        assertTrue(e.getMessage().startsWith("policy refuses VM 4 on h2"), e.getMessage());
        assertTrue(e.getMessage().contains("COUNTRY_NOT_ALLOWED"), e.getMessage());
        assertEquals(List.of("vm 4", "host h2"), oned.calls);
        JsonNode rec = onlyRecord();
        assertEquals("DENY", rec.path("decision").asText());
        assertEquals("COUNTRY_NOT_ALLOWED", firstCode(rec));
    }

    @Test
    void a_regulated_vm_is_allowed_on_a_compliant_host_with_the_reason_compliant() throws IOException {
        oned.h2Country = "DE";
        PolicyDecision d = guard(false).check("mkimage", 4, null, "", "h2");

        assertTrue(d.allowed(), d.toText());
        JsonNode rec = onlyRecord();
        assertEquals("ALLOW", rec.path("decision").asText());
        assertEquals("COMPLIANT", firstCode(rec));
    }

    @Test
    void a_failure_inside_the_decision_path_refuses_fail_closed_and_says_so() throws IOException {
        oned.host = name -> {
            throw new IllegalStateException("unexpected document shape");
        };

        PlacementRefusedException e = assertThrows(PlacementRefusedException.class,
                () -> guard(false).check("context", 4, null, "", "h2"));

        assertTrue(e.getMessage().contains("internal error"), e.getMessage());
        assertTrue(e.getMessage().contains("refused (fail closed)"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected document shape"), e.getMessage());
        JsonNode rec = onlyRecord();
        assertEquals("DENY", rec.path("decision").asText());
        assertEquals("INTERNAL_ERROR", firstCode(rec));
        assertEquals("placement.context", rec.path("event").asText());
    }

    @Test
    void a_lookup_that_answers_nothing_refuses_instead_of_letting_the_placement_through() throws IOException {
        oned.host = name -> null;

        PlacementRefusedException e = assertThrows(PlacementRefusedException.class,
                () -> guard(false).check("mv", 4, null, "h1", "h2"));

        assertTrue(e.getMessage().contains("fail closed"), e.getMessage());
        assertEquals("DENY", onlyRecord().path("decision").asText());
    }

    @Test
    void oned_unreachable_refuses_a_regulated_placement_when_the_policy_is_in_force() throws IOException {
        oned.failure = OnedException.configuration("no ONE_AUTH");

        PlacementRefusedException e = assertThrows(PlacementRefusedException.class,
                () -> guard(false).check("clone", 4, null, "", "h2"));

        assertTrue(e.getMessage().contains("cannot read VM 4"), e.getMessage());
        JsonNode rec = onlyRecord();
        assertEquals("DENY", rec.path("decision").asText());
        assertEquals("ONED_UNAVAILABLE", firstCode(rec));
    }

    @Test
    void oned_unreachable_on_a_tm_line_without_any_policy_configured_lets_the_line_through_on_the_record()
            throws IOException {
        oned.failure = OnedException.configuration("no ONE_AUTH");

        assertNull(guard(false, tmp.resolve("no-pca/pca.crt")).check("clone", 4, null, "", "h2"));

        JsonNode rec = onlyRecord();
        assertEquals("ALLOW-UNVERIFIED", rec.path("decision").asText());
        assertEquals("ONED_UNAVAILABLE_POLICY_NOT_CONFIGURED", firstCode(rec));
    }
}
