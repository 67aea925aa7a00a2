package io.onehaul.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.onehaul.opennebula.Xml;
import io.onehaul.policy.TestPki;
import io.onehaul.policy.cert.CertifiedAttributes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/**
 * The hooks fed what a real oned 7.5.80 handed to hooks around migrations that went through and
 * migrations it undid after a driver refused them (fixtures oned-7.5.80-migrations/): the $API and
 * $TEMPLATE payloads, and the one.vm.info a hook read at that moment. The records must say what
 * happened: a refused migration is a live (or save) migration that failed, the VM never left its host,
 * and no arrival remediation may act on it.
 */
class RecordedMigrationsHookTest extends OnedHookTest {
    static final String DIR = "/fixtures/oned-7.5.80-migrations/";
    static final int VM = 0;
    static final int H1 = 0;
    static final int H2 = 1;

    @BeforeEach
    void hosts() {
        serveHost(H1, host(H1, "h1", "ES", h1Cert));
        serveHost(H2, host(H2, "h2", "US", h2Cert));
    }

    String host(int id, String name, String country, org.bouncycastle.cert.X509AttributeCertificateHolder cert) {
        return HookFixtures.withHostCertificate(HookFixtures.host(id, name, country), TestPki.base64(cert));
    }

    static String text(String resource) {
        try (InputStream in = RecordedMigrationsHookTest.class.getResourceAsStream(DIR + resource)) {
            assertNotNull(in, resource);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code <VM>} inside a recorded one.vm.info reply. */
    static String vmDocument(String resource) {
        Element root = Xml.parseRoot(text(resource), "methodResponse", resource);
        List<Element> values = Xml.children(Xml.path(root, "params", "param", "value", "array", "data").orElseThrow(), "value");
        return Xml.text(values.get(1), "string");
    }

    /** Payload {@code seq} of the recording, and oned serving the one.vm.info that hook read then. */
    String atHookTime(String payload) {
        serveVm(VM, vmDocument("hooks/" + payload + ".hook-time-vm-info.response.xml"));
        return text("hooks/" + payload + ".argv1.b64");
    }

    JsonNode onlyRecord() {
        List<JsonNode> log = audit();
        assertEquals(1, log.size(), log.toString());
        return log.get(0);
    }

    JsonNode migrateAudit(String apiPayload, String vmInfo) {
        String api = text("hooks/" + apiPayload + ".argv1.b64");
        serveVm(VM, vmDocument(vmInfo));
        HookRun r = hook("migrate-audit", api);
        assertEquals(0, r.exit(), r.toString());
        return onlyRecord();
    }

    // ------------------------------------------------------------------ migrate-audit

    @Test
    void a_live_migration_refused_at_premigrate_is_a_failed_live_migration_of_a_vm_still_on_its_host() {
        // what an operator saw before: "vm_now_on":"h2" and "migration_type":"save" next to "live":true
        JsonNode rec = migrateAudit("0012.api-vm-migrate.B1-live-refused-premigrate",
                "hooks/0012.api-vm-migrate.B1-live-refused-premigrate.hook-time-vm-info.response.xml");
        assertTrue(rec.get("live").asBoolean());
        assertEquals("live", rec.get("migration_type").asText(), rec.toString());
        assertEquals("h1", rec.get("from").asText());
        assertEquals("h2", rec.get("to").asText());
        assertEquals("failed", rec.get("outcome").asText(), rec.toString());
        assertEquals("h1", rec.get("vm_now_on").asText(), "the VM never left h1");
        assertEquals("ACTIVE/RUNNING", rec.get("vm_state").asText());
        assertEquals(3, rec.get("history_seq").asInt(), "the destination's record oned closed");
    }

    @Test
    void a_live_migration_refused_by_the_vmm_reads_in_progress_at_hook_time_and_failed_once_oned_undid_it() {
        JsonNode during = migrateAudit("0015.api-vm-migrate.B2-live-refused-vmm-migrate",
                "hooks/0015.api-vm-migrate.B2-live-refused-vmm-migrate.hook-time-vm-info.response.xml");
        assertEquals("in progress", during.get("outcome").asText(), during.toString());
        assertEquals("live", during.get("migration_type").asText());
        assertEquals("h1", during.get("vm_now_on").asText(), "during MIGRATE the VM still runs on the source");
        assertEquals("ACTIVE/MIGRATE", during.get("vm_state").asText());
    }

    @Test
    void the_same_call_read_after_the_refusal_settled_is_recorded_as_failed() {
        JsonNode after = migrateAudit("0015.api-vm-migrate.B2-live-refused-vmm-migrate",
                "vm-info.B2-live-refused-vmm-migrate.response.xml");
        assertEquals("failed", after.get("outcome").asText(), after.toString());
        assertEquals("h1", after.get("vm_now_on").asText());
        assertEquals("h1", after.get("from").asText());
    }

    @Test
    void a_cold_migration_refused_at_save_is_a_failed_save_migration_of_a_vm_still_on_its_host() {
        JsonNode during = migrateAudit("0018.api-vm-migrate.C1-cold-refused-save",
                "hooks/0018.api-vm-migrate.C1-cold-refused-save.hook-time-vm-info.response.xml");
        assertFalse(during.get("live").asBoolean());
        assertEquals("save", during.get("migration_type").asText());
        assertEquals("in progress", during.get("outcome").asText());
        assertEquals("h1", during.get("vm_now_on").asText(), "SAVE_MIGRATE runs on the old host");
        assertEquals("ACTIVE/SAVE_MIGRATE", during.get("vm_state").asText());
    }

    @Test
    void the_refused_cold_migration_read_after_it_settled_is_failed() {
        JsonNode after = migrateAudit("0018.api-vm-migrate.C1-cold-refused-save",
                "vm-info.C1-cold-refused-save.response.xml");
        assertEquals("failed", after.get("outcome").asText(), after.toString());
        assertEquals("save", after.get("migration_type").asText());
        assertEquals("h1", after.get("vm_now_on").asText());
    }

    @Test
    void successful_live_and_cold_migrations_are_done_and_the_vm_is_where_they_took_it() {
        JsonNode live = migrateAudit("0004.api-vm-migrate.A1-live-ok", "vm-info.A1-live-ok.response.xml");
        assertEquals("live", live.get("migration_type").asText());
        assertEquals("done", live.get("outcome").asText());
        assertEquals("h1", live.get("from").asText());
        assertEquals("h2", live.get("vm_now_on").asText());
    }

    @Test
    void a_successful_cold_migration_is_a_save_migration_from_h2_that_is_done() {
        JsonNode cold = migrateAudit("0007.api-vm-migrate.A2-cold-ok", "vm-info.A2-cold-ok.response.xml");
        assertFalse(cold.get("live").asBoolean());
        assertEquals("save", cold.get("migration_type").asText());
        assertEquals("done", cold.get("outcome").asText());
        assertEquals("h2", cold.get("from").asText());
        assertEquals("h1", cold.get("vm_now_on").asText());
    }

    @Test
    void while_a_cold_move_carries_the_vm_it_is_on_no_host() {
        JsonNode moving = migrateAudit("0007.api-vm-migrate.A2-cold-ok",
                "hooks/0007.api-vm-migrate.A2-cold-ok.hook-time-vm-info.response.xml");
        assertEquals("ACTIVE/PROLOG_MIGRATE", moving.get("vm_state").asText());
        assertEquals("in progress", moving.get("outcome").asText());
        assertFalse(moving.has("vm_now_on"), moving.toString());
    }

    // ------------------------------------------------------------------ placement-check

    JsonNode placementCheck(String runningPayload) {
        HookRun r = hook("placement-check", atHookTime(runningPayload));
        assertEquals(0, r.exit(), r.toString());
        return audit().get(0);
    }

    @Test
    void running_again_on_h1_after_a_refused_live_migration_is_no_arrival_from_h2() {
        // what an operator saw before: "arrival":"deploy","from":"h2" for a VM that never left h1
        for (String p : List.of("0014.state-vm-running.B1-live-refused-premigrate",
                "0017.state-vm-running.B2-live-refused-vmm-migrate", "0020.state-vm-running.C1-cold-refused-save")) {
            oned.resetRequests();
            java.nio.file.Path log = auditLog;
            try {
                java.nio.file.Files.deleteIfExists(log);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            JsonNode rec = placementCheck(p);
            assertEquals("stayed", rec.get("arrival").asText(), p + ": " + rec);
            assertEquals("h1", rec.get("from").asText(), p);
            assertEquals("h1", rec.get("host").asText(), p);
            assertEquals("h2", rec.get("failed_migration_to").asText(), p);
        }
    }

    @Test
    void running_on_the_destination_after_successful_migrations_is_an_arrival_by_migration() {
        JsonNode live = placementCheck("0006.state-vm-running.A1-live-ok");
        assertEquals("migration", live.get("arrival").asText());
        assertEquals("h1", live.get("from").asText());
        assertEquals("h2", live.get("host").asText());
        assertFalse(live.has("failed_migration_to"));
    }

    @Test
    void running_after_a_recovered_cold_move_is_an_arrival_by_migration_from_h1() {
        JsonNode rec = placementCheck("0027.state-vm-running.C3-recover-retry-after-mv");
        assertEquals("migration", rec.get("arrival").asText(), rec.toString());
        assertEquals("h1", rec.get("from").asText());
        assertEquals("h2", rec.get("host").asText());
    }

    @Test
    void a_remediation_for_arrivals_never_acts_on_a_vm_that_a_refused_migration_left_where_it_was() throws Exception {
        // A regulated VM on a host its regulation no longer allows; a refused migration did not bring it
        // there, so "poweroff" (an arrival remediation) must only notify. Read as an arrival from h2, the
        // hook would have powered it off.
        writeConf("policy.remediation = poweroff\n");
        acceptChanges();
        serveHost(H1, host(H1, "h1", "US", pki.issue(TestPki.hostAttributes("h1", "US", List.of("ACME")),
                Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(1)))));
        String vm = vmDocument("hooks/0014.state-vm-running.B1-live-refused-premigrate.hook-time-vm-info.response.xml");
        serveVm(VM, regulated(vm));

        HookRun r = hook("placement-check", text("hooks/0014.state-vm-running.B1-live-refused-premigrate.argv1.b64"));

        assertEquals(0, r.exit(), r.toString());
        JsonNode rec = audit().get(0);
        assertEquals("DENY", rec.get("decision").asText(), rec.toString());
        assertEquals("stayed", rec.get("arrival").asText());
        assertTrue(rec.get("remediation").asText().startsWith("notify"), rec.toString());
        assertFalse(methods().contains("one.vm.action"), "no poweroff: " + methods());
    }

    /** The recorded VM with REGULATION = ES,DE / ACME and a certificate bound to it (VM 0, its UUID, oneadmin). */
    String regulated(String vm) {
        String uuid = Xml.text(Xml.parseRoot(vm, "VM", "vm"), "TEMPLATE", "OS", "UUID");
        Instant now = Instant.now();
        String cert = TestPki.base64(pki.issue(new CertifiedAttributes.Vm(VM, uuid, "oneadmin", List.of("ES", "DE"),
                List.of("ACME")), now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(1))));
        return vm.replaceFirst("<USER_TEMPLATE>", "<USER_TEMPLATE><REGULATION><COUNTRIES><![CDATA[ES,DE]]></COUNTRIES>"
                + "<ORGANIZATIONS><![CDATA[ACME]]></ORGANIZATIONS><CERTIFICATE><![CDATA[" + cert
                + "]]></CERTIFICATE></REGULATION>");
    }
}
