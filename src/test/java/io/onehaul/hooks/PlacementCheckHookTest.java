package io.onehaul.hooks;

import static io.onehaul.hooks.HookFixtures.RUNNING_AFTER_DEPLOY_H1;
import static io.onehaul.hooks.HookFixtures.RUNNING_AFTER_MIGRATE_H1;
import static io.onehaul.hooks.HookFixtures.RUNNING_AFTER_MIGRATE_H2;
import static io.onehaul.hooks.HookFixtures.RUNNING_AFTER_RESUME;
import static io.onehaul.hooks.HookFixtures.decoded;
import static io.onehaul.hooks.HookFixtures.document;
import static io.onehaul.hooks.HookFixtures.payload;
import static io.onehaul.hooks.HookFixtures.recordedRequest;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.onehaul.policy.TestPki;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code onehaul hook placement-check} fed the $TEMPLATE payloads a real oned 7.5.80 gave the
 * ACTIVE/RUNNING state hook: after the deploy to h1, after the live migration to h2 (refused: h2 is in
 * the US), after the migration back to h1, after a resume on h1.
 */
class PlacementCheckHookTest extends OnedHookTest {
    /** one.vm.info right after the live migration to h2: history seq 0 on h1 (ACTION 2), seq 1 on h2. */
    String onH2() {
        return certified(document("one.vm.info.running-h2-after-live-migrate"));
    }

    /** h1 moved to the US, with a certificate saying so: refused like h2. */
    String h1InTheUs() {
        return HookFixtures.withHostCertificate(HookFixtures.host(7, "h1", "US"), TestPki.base64(pki.issue(
                TestPki.hostAttributes("h1", "US", List.of("ACME")), Instant.now().minus(Duration.ofDays(1)),
                Instant.now().plus(Duration.ofDays(1)))));
    }

    void arrivedOnH2(String remediation) throws Exception {
        writeConf(remediation.isEmpty() ? "" : "policy.remediation = " + remediation + "\n");
        serveVm(4, onH2());
        serveHost(7, h1());
        serveHost(8, h2());
        acceptChanges();
    }

    static String noteOf(RpcCall update) {
        String text = (String) update.params().get(1);
        assertTrue(text.startsWith(ViolationMarker.ATTRIBUTE + " = \""), text);
        return text;
    }

    @Test
    void aCompliantArrivalIsAuditedAsAllowAndNothingIsChanged() {
        serveVm(4, certified(decoded(RUNNING_AFTER_MIGRATE_H1)));
        serveHost(7, h1());

        HookRun r = hook("placement-check", payload(RUNNING_AFTER_MIGRATE_H1));

        assertEquals(0, r.exit(), r.toString());
        assertEquals("", r.err());
        assertEquals(List.of("one.vm.info", "one.host.info"), methods(), "read only");
        assertEquals(List.of(7), calls("one.host.info").get(0).params(), "the host of the newest history record");
        JsonNode rec = audit().get(0);
        assertEquals(1, audit().size());
        assertEquals("vm.placement", rec.get("event").asText());
        assertEquals("ALLOW", rec.get("decision").asText());
        assertEquals("migration", rec.get("arrival").asText());
        assertEquals(2, rec.get("history_seq").asInt());
        assertEquals("h2", rec.get("from").asText());
        assertEquals("none", rec.get("remediation").asText());
        assertEquals(sha256(vmCert), rec.get("vm_cert_sha256").asText());
    }

    @Test
    void aRefusedArrivalIsNotifiedByDefaultWithANoteOnTheVmAndAStderrLine() throws Exception {
        arrivedOnH2("");

        HookRun r = hook("placement-check", payload(RUNNING_AFTER_MIGRATE_H2));

        assertEquals(0, r.exit(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().contains("policy violation") && r.err().contains("COUNTRY_NOT_ALLOWED"), r.err());
        assertEquals(List.of("one.vm.info", "one.host.info", "one.vm.update"), methods());
        RpcCall update = calls("one.vm.update").get(0);
        assertEquals(4, update.params().get(0));
        assertEquals(1, update.params().get(2), "merge mode");
        String note = noteOf(update);
        assertTrue(note.contains("COUNTRY_NOT_ALLOWED on host h2 (id 8), history seq 1; remediation: notify\""), note);
        assertTrue(!note.contains("REGULATION") && !note.contains("["), "no vector attribute is sent back: " + note);
        List<JsonNode> log = audit();
        assertEquals(2, log.size(), "the decision, then what was done");
        assertEquals("DENY", log.get(0).get("decision").asText());
        assertEquals("migration", log.get(0).get("arrival").asText());
        assertEquals("notify", log.get(0).get("remediation").asText());
        assertEquals("vm.placement.remediation", log.get(1).get("event").asText());
        assertEquals("done", log.get(1).get("result").asText());
    }

    @Test
    void migrateBackSendsTheVmLiveToTheCompliantPreviousHostAfterWritingTheNote() throws Exception {
        arrivedOnH2("migrate-back");

        HookRun r = hook("placement-check", payload(RUNNING_AFTER_MIGRATE_H2));

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("one.vm.info", "one.host.info", "one.host.info", "one.vm.update", "one.vm.migrate"), methods());
        assertEquals(List.of(7), calls("one.host.info").get(1).params(), "the previous host is judged first");
        assertEquals(List.of(4, 7, true, false, -1, 0), calls("one.vm.migrate").get(0).params());
        assertArrayEquals(recordedRequest("one.vm.migrate.success-live-to-h1"), bodies("one.vm.migrate").get(0),
                "byte for byte the request oned 7.5.80 accepted for this very move");
        assertTrue(noteOf(calls("one.vm.update").get(0)).contains("remediation: migrate-back to h1 (id 7), live"));
        assertEquals("migrate-back to h1 (id 7), live", audit().get(0).get("remediation").asText());
        assertTrue(r.err().contains("migrate-back to h1"), r.err());
    }

    @Test
    void runningTwiceForTheSameArrivalMigratesOnlyOnce() throws Exception {
        writeConf("policy.remediation = migrate-back\n");
        serveHost(7, h1());
        serveHost(8, h2());
        // oned keeps the note the first run writes: later one.vm.info replies carry it
        String noted = HookFixtures.withUserAttribute(onH2(), ViolationMarker.ATTRIBUTE, ViolationMarker.text(
                Instant.now(), "COUNTRY_NOT_ALLOWED", "h2", 8, 1, "migrate-back to h1 (id 7), live"));
        oned.stubFor(call("one.vm.info", 4).inScenario("vm").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(ok(HookFixtures.reply(onH2()))));
        oned.stubFor(call("one.vm.info", 4).inScenario("vm").whenScenarioStateIs("noted")
                .willReturn(ok(HookFixtures.reply(noted))));
        oned.stubFor(call("one.vm.update").inScenario("vm").willSetStateTo("noted")
                .willReturn(ok(HookFixtures.idReply(4))));
        oned.stubFor(call("one.vm.migrate").willReturn(ok(HookFixtures.idReply(4))));

        HookRun first = hook("placement-check", payload(RUNNING_AFTER_MIGRATE_H2));
        HookRun second = hook("placement-check", payload(RUNNING_AFTER_MIGRATE_H2));

        assertEquals(0, first.exit(), first.toString());
        assertEquals(0, second.exit(), second.toString());
        assertEquals(1, calls("one.vm.migrate").size(), "one migration, not two");
        assertEquals(1, calls("one.vm.update").size(), "the note is not rewritten either");
        JsonNode last = audit().get(audit().size() - 1);
        assertEquals("DENY", last.get("decision").asText());
        assertTrue(last.get("remediation").asText().startsWith("none: already handled"), last.toString());
        assertTrue(second.err().contains("already handled"), second.err());
    }

    @Test
    void anEventForAPlacementTheVmHasAlreadyLeftChangesNothing() throws Exception {
        arrivedOnH2("migrate-back");
        serveVm(4, certified(document("one.vm.info.running-h1-after-migrate-back"))); // now seq 2 on h1

        HookRun r = hook("placement-check", payload(RUNNING_AFTER_MIGRATE_H2));

        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("no longer on host h2"), r.out());
        assertEquals(List.of("one.vm.info"), methods());
        assertEquals(List.of(), audit());
    }

    @Test
    void poweroffStopsTheVmWithTheRecordedActionCall() throws Exception {
        arrivedOnH2("poweroff");

        HookRun r = hook("placement-check", payload(RUNNING_AFTER_MIGRATE_H2));

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("one.vm.info", "one.host.info", "one.vm.update", "one.vm.action"), methods());
        assertArrayEquals(recordedRequest("one.vm.action.poweroff"), bodies("one.vm.action").get(0));
        assertEquals(List.of(), calls("one.vm.migrate"));
        assertTrue(noteOf(calls("one.vm.update").get(0)).contains("remediation: poweroff"));
    }

    @Test
    void migrateBackOnlyNotifiesWhenThePreviousHostIsRefusedToo() throws Exception {
        arrivedOnH2("migrate-back");
        serveHost(7, h1InTheUs());

        HookRun r = hook("placement-check", payload(RUNNING_AFTER_MIGRATE_H2));

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of(), calls("one.vm.migrate"));
        assertTrue(noteOf(calls("one.vm.update").get(0)).contains("previous host h1 is refused too: COUNTRY_NOT_ALLOWED"));
    }

    @Test
    void aDeployToARefusedHostHasNothingToGoBackToSoMigrateBackNotifies() throws Exception {
        writeConf("policy.remediation = migrate-back\n");
        serveVm(4, certified(decoded(RUNNING_AFTER_DEPLOY_H1)));
        serveHost(7, h1InTheUs());
        acceptChanges();

        HookRun r = hook("placement-check", payload(RUNNING_AFTER_DEPLOY_H1));

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("one.vm.info", "one.host.info", "one.vm.update"), methods());
        assertEquals("deploy", audit().get(0).get("arrival").asText());
        assertTrue(noteOf(calls("one.vm.update").get(0)).contains("history seq 0; remediation: notify (migrate-back"));
    }

    @Test
    void aDeployToARefusedHostIsPoweredOffUnderPoweroff() throws Exception {
        writeConf("policy.remediation = poweroff\n");
        serveVm(4, certified(decoded(RUNNING_AFTER_DEPLOY_H1)));
        serveHost(7, h1InTheUs());
        acceptChanges();

        assertEquals(0, hook("placement-check", payload(RUNNING_AFTER_DEPLOY_H1)).exit());

        assertEquals(List.of("poweroff", 4), calls("one.vm.action").get(0).params());
    }

    @Test
    void aResumeWhereTheVmAlreadyWasIsOnlyNotifiedEvenUnderPoweroff() throws Exception {
        writeConf("policy.remediation = poweroff\n");
        serveVm(4, certified(decoded(RUNNING_AFTER_RESUME))); // seq 3 on h1; seq 2 on h1 ended by poweroff (19)
        serveHost(7, h1InTheUs());
        acceptChanges();

        HookRun r = hook("placement-check", payload(RUNNING_AFTER_RESUME));

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of(), calls("one.vm.action"));
        assertEquals("stayed", audit().get(0).get("arrival").asText());
        assertTrue(noteOf(calls("one.vm.update").get(0)).contains("history seq 3; remediation: notify"));
    }

    @Test
    void aFailedMigrateBackFailsTheHookAndSaysSoOnTheVmAndInTheAuditLog() throws Exception {
        arrivedOnH2("migrate-back");
        oned.stubFor(call("one.vm.migrate").willReturn(ok(HookFixtures.recordedResponse("one.vm.migrate.fail-state-hold"))));

        HookRun r = hook("placement-check", payload(RUNNING_AFTER_MIGRATE_H2));

        assertEquals(1, r.exit(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().contains("migrate-back to h1 (id 7), live failed"), r.err());
        List<RpcCall> updates = calls("one.vm.update");
        assertEquals(2, updates.size(), "the note, then the note corrected");
        assertTrue(noteOf(updates.get(1)).contains("FAILED: [one.vm.migrate] Migrate action is not available"), noteOf(updates.get(1)));
        assertTrue(audit().get(1).get("result").asText().startsWith("failed:"));
    }

    @Test
    void aVmThatNoLongerExistsIsNothingToCheck() {
        oned.stubFor(call("one.vm.info", 4).willReturn(ok(HookFixtures.recordedResponse("one.vm.info.fail-no-vm"))));

        HookRun r = hook("placement-check", payload(RUNNING_AFTER_MIGRATE_H2));

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("one.vm.info"), methods());
        assertEquals(List.of(), audit());
    }

    @Test
    void garbageIsRefusedWithExitTwoBeforeOnedOrTheAuditLogIsTouched() throws Exception {
        arrivedOnH2("migrate-back");
        String notXml = Base64.getEncoder().encodeToString("just some text".getBytes(StandardCharsets.UTF_8));
        String wrongRoot = payload(HookFixtures.MIGRATE_TO_H2); // a CALL_INFO, not a VM
        String truncated = Base64.getEncoder().encodeToString(
                decoded(RUNNING_AFTER_MIGRATE_H2).substring(0, 500).getBytes(StandardCharsets.UTF_8));
        String b64 = payload(RUNNING_AFTER_MIGRATE_H2);
        for (String bad : List.of("not base64!", b64.substring(0, b64.length() - 1), b64 + "\n" + b64, notXml,
                wrongRoot, truncated)) {
            HookRun r = hook("placement-check", bad);
            assertEquals(2, r.exit(), r.toString());
            assertEquals(1, r.errLines().size(), r.toString());
            assertTrue(r.err().startsWith("onehaul hook placement-check: bad input: "), r.err());
        }
        assertEquals(List.of(), methods(), "oned was not asked anything");
        assertEquals(List.of(), audit());
    }

    @Test
    void anUnknownRemediationSettingIsBadInputBeforeOnedIsAsked() throws Exception {
        arrivedOnH2("migrate-home");

        HookRun r = hook("placement-check", payload(RUNNING_AFTER_MIGRATE_H2));

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("policy.remediation must be notify, migrate-back or poweroff"), r.err());
        assertEquals(List.of(), methods());
    }
}
