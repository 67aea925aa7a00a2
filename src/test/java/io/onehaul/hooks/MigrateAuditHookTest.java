package io.onehaul.hooks;

import static io.onehaul.hooks.HookFixtures.MIGRATE_FAILURES;
import static io.onehaul.hooks.HookFixtures.MIGRATE_TO_H1;
import static io.onehaul.hooks.HookFixtures.MIGRATE_TO_H1_STDIN;
import static io.onehaul.hooks.HookFixtures.MIGRATE_TO_H2;
import static io.onehaul.hooks.HookFixtures.MIGRATE_TO_H2_STDIN;
import static io.onehaul.hooks.HookFixtures.document;
import static io.onehaul.hooks.HookFixtures.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.onehaul.policy.audit.AuditLog;
import java.nio.file.Files;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code onehaul hook migrate-audit} fed the $API payloads a real oned 7.5.80 gave the one.vm.migrate hook. */
class MigrateAuditHookTest extends OnedHookTest {

    @BeforeEach
    void onedAfterTheMigrations() {
        // one.vm.info as recorded right after each live migration, the certificate added by the operator
        serveVm(4, certified(document("one.vm.info.running-h2-after-live-migrate")));
        serveHost(7, h1());
        serveHost(8, h2());
    }

    @Test
    void anAcceptedMigrationToARefusedHostIsAuditedAsDenyWithWhoFromWhereAndTheCertificates() {
        HookRun r = hook("migrate-audit", payload(MIGRATE_TO_H2));

        assertEquals(0, r.exit(), r.toString());
        List<JsonNode> log = audit();
        assertEquals(1, log.size(), "exactly one record");
        JsonNode rec = log.get(0);
        assertEquals("vm.migrate", rec.get("event").asText());
        assertEquals(4, rec.get("vm_id").asInt());
        assertEquals("fx-regvm", rec.get("vm_name").asText());
        assertEquals("oneadmin", rec.get("vm_owner").asText());
        assertEquals(0, rec.get("vm_owner_uid").asInt());
        assertTrue(rec.get("caller").asText().startsWith("not available"), rec.toString());
        assertEquals(0, rec.get("action_uid").asInt(), "oned's record of who asked for the migrate");
        assertEquals(9615, rec.get("action_request_id").asInt());
        assertEquals("h1", rec.get("from").asText());
        assertEquals(7, rec.get("from_host_id").asInt());
        assertEquals("h2", rec.get("to").asText());
        assertEquals(8, rec.get("to_host_id").asInt());
        assertTrue(rec.get("live").asBoolean());
        assertFalse(rec.get("enforce").asBoolean());
        assertEquals(-1, rec.get("ds_id").asInt());
        assertEquals("live", rec.get("migration_type").asText(), "live=1 and HISTORY/ACTION 2 on the source record");
        assertEquals("accepted", rec.get("call").asText());
        assertEquals("DENY", rec.get("decision").asText());
        assertEquals(List.of("COUNTRY_NOT_ALLOWED"), codes(rec));
        assertEquals(sha256(vmCert), rec.get("vm_cert_sha256").asText());
        assertEquals(sha256(h2Cert), rec.get("host_cert_sha256").asText());
        assertEquals(1, r.errLines().size(), "one readable line for the hook log: " + r);
        assertTrue(r.err().contains("policy violation") && r.err().contains("COUNTRY_NOT_ALLOWED"), r.err());
    }

    @Test
    void itOnlyReadsTheVmAndTheDestinationFromOnedAndChangesNothing() {
        hook("migrate-audit", payload(MIGRATE_TO_H2));

        assertEquals(List.of("one.vm.info", "one.host.info"), methods());
        assertEquals(List.of(4), calls("one.vm.info").get(0).params());
        assertEquals(List.of(8), calls("one.host.info").get(0).params());
        assertTrue(calls().stream().allMatch(c -> c.session().equals(SESSION)));
    }

    @Test
    void theMigrationBackToACompliantHostIsAuditedAsAllowFromTheStdinPayload() {
        serveVm(4, certified(document("one.vm.info.running-h1-after-migrate-back")));

        HookRun r = hookViaStdin("migrate-audit", payload(MIGRATE_TO_H1_STDIN));

        assertEquals(0, r.exit(), r.toString());
        assertEquals("", r.err(), "nothing for an operator to look at");
        JsonNode rec = audit().get(0);
        assertEquals("ALLOW", rec.get("decision").asText());
        assertEquals(List.of("COMPLIANT"), codes(rec));
        assertEquals("h2", rec.get("from").asText());
        assertEquals("h1", rec.get("to").asText());
        assertEquals(2, rec.get("history_seq").asInt());
        assertEquals(sha256(h1Cert), rec.get("host_cert_sha256").asText());
    }

    static Stream<String> deliveries() {
        return Stream.of(MIGRATE_TO_H2, MIGRATE_TO_H2_STDIN);
    }

    @ParameterizedTest
    @MethodSource("deliveries")
    void argvAndStdinDeliveriesOfTheSameEventGiveTheSameRecord(String name) {
        HookRun r = name.endsWith(".stdin.b64") ? hookViaStdin("migrate-audit", payload(name))
                : hook("migrate-audit", payload(name));
        assertEquals(0, r.exit(), r.toString());
        JsonNode rec = audit().get(0);
        assertEquals("h1", rec.get("from").asText());
        assertEquals("h2", rec.get("to").asText());
        assertEquals("DENY", rec.get("decision").asText());
    }

    @ParameterizedTest
    @MethodSource("io.onehaul.hooks.HookFixtures#migrateFailures")
    void aCallOnedRefusedIsAuditedFromApiAloneWithoutDecisionOrOnedCall(String name) {
        HookRun r = name.endsWith(".stdin.b64") ? hookViaStdin("migrate-audit", payload(name))
                : hook("migrate-audit", payload(name));

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of(), methods(), "a refused call moved nothing: oned is not asked");
        JsonNode rec = audit().get(0);
        assertEquals("refused", rec.get("call").asText());
        assertEquals("n/a: oned refused the call", rec.get("decision").asText());
        assertFalse(rec.has("reasons"));
        assertTrue(rec.get("oned_error").asText().startsWith("[one.vm.migrate] "), rec.toString());
        assertTrue(List.of("1024", "2048").contains(rec.get("oned_error_code").asText()), rec.toString());
    }

    @Test
    void theRefusedCallRecordKeepsOnedsMessageAndTheRequestedPlacement() {
        hook("migrate-audit", payload("api-vm-migrate/0020.migrate.fail-live-host-and-ds.argv1.b64"));

        JsonNode rec = audit().get(0);
        assertEquals("[one.vm.migrate] Cannot live migrate host and datastore at the same time.",
                rec.get("oned_error").asText());
        assertEquals(4, rec.get("vm_id").asInt());
        assertEquals(7, rec.get("to_host_id").asInt());
        assertEquals(102, rec.get("ds_id").asInt());
        assertTrue(rec.get("live").asBoolean());
    }

    @Test
    void runningTwiceOnlyAppendsASecondRecordToTheChain() throws Exception {
        hook("migrate-audit", payload(MIGRATE_TO_H2));
        hook("migrate-audit", payload(MIGRATE_TO_H2));

        List<JsonNode> log = audit();
        assertEquals(2, log.size());
        assertEquals(log.get(0).get("hash").asText(), log.get(1).get("prev_hash").asText());
        assertTrue(new AuditLog(auditLog).verify().ok(), "the hash chain holds");
    }

    @Test
    void whenOnedCannotBeReadTheAcceptedCallIsStillAuditedAndTheHookFails() {
        env.put("ONE_XMLRPC", "http://127.0.0.1:1/RPC2");

        HookRun r = hook("migrate-audit", payload(MIGRATE_TO_H2));

        assertEquals(1, r.exit(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().contains("oned could not be read"), r.err());
        JsonNode rec = audit().get(0);
        assertEquals("accepted", rec.get("call").asText());
        assertTrue(rec.get("decision").asText().startsWith("n/a: oned could not be read"), rec.toString());
    }

    @Test
    void aDeletedVmIsAuditedWithoutDecisionAndTheHookFails() {
        oned.resetAll();
        oned.stubFor(call("one.vm.info", 4).willReturn(ok(HookFixtures.recordedResponse("one.vm.info.fail-no-vm"))));

        HookRun r = hook("migrate-audit", payload(MIGRATE_TO_H2));

        assertEquals(1, r.exit(), r.toString());
        assertTrue(audit().get(0).get("decision").asText().contains("Error getting virtual machine"), audit().toString());
    }

    @Test
    void anUnwritableAuditLogFailsTheHookWithOneLine() throws Exception {
        Files.createDirectories(auditLog); // a directory where the log file should be

        HookRun r = hook("migrate-audit", payload(MIGRATE_TO_H2));

        assertEquals(1, r.exit(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().contains("audit log"), r.err());
    }
}
