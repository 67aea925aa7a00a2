package io.onehaul.hooks;

import static io.onehaul.hooks.HookFixtures.ALLOCATE;
import static io.onehaul.hooks.HookFixtures.UPDATE_MERGE;
import static io.onehaul.hooks.HookFixtures.UPDATE_REPLACE;
import static io.onehaul.hooks.HookFixtures.decoded;
import static io.onehaul.hooks.HookFixtures.document;
import static io.onehaul.hooks.HookFixtures.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.onehaul.progress.ProgressNote;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code onehaul hook sched-requirements} fed the $API payloads a real oned 7.5.80 gave the
 * one.vm.allocate and one.vm.update hooks, with a host pool of h2 (US), h1 (ES) as recorded (descending
 * ids) and sometimes h3 (ES, no certificate).
 */
class SchedRequirementsHookTest extends OnedHookTest {
    /** VM 4 as one.vm.info showed it right after allocation, certified. */
    String pending() {
        return certified(document("one.vm.info.pending"));
    }

    @BeforeEach
    void onedWithTheRecordedPool() {
        serveHostPool(h2(), h1());
        acceptChanges();
    }

    static String sentTemplate() {
        List<RpcCall> updates = calls("one.vm.update");
        assertEquals(1, updates.size(), updates.toString());
        RpcCall u = updates.get(0);
        assertEquals(4, u.params().get(0));
        assertEquals(1, u.params().get(2), "merge mode");
        String text = (String) u.params().get(1);
        assertFalse(text.contains("REGULATION") || text.contains("["), "no vector attribute is sent back: " + text);
        return text;
    }

    @Test
    void anAllocatedRegulatedVmMayOnlyBeScheduledOnTheCompliantHosts() {
        serveVm(4, pending());

        HookRun r = hook("sched-requirements", payload(ALLOCATE));

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("one.vm.info", "one.hostpool.info", "one.vm.update"), methods());
        assertEquals(List.of(4), calls("one.vm.info").get(0).params(), "the id oned returned (OUT 2)");
        assertEquals("SCHED_REQUIREMENTS = \"ID = 7\"", sentTemplate());
        JsonNode rec = audit().get(0);
        assertEquals("vm.sched_requirements", rec.get("event").asText());
        assertEquals("ID = 7", rec.get("sched_requirements").asText());
        assertEquals(2, rec.get("hosts").size());
        assertEquals("DENY", rec.get("hosts").get(0).get("decision").asText());
        assertEquals("COUNTRY_NOT_ALLOWED", rec.get("hosts").get(0).get("codes").asText());
        assertEquals("", r.err());
    }

    @Test
    void aHostWhoseCertificateDoesNotVerifyIsLeftOut() {
        serveVm(4, pending());
        String h3WithoutCertificate = HookFixtures.host(9, "h3", "ES");
        serveHostPool(h3WithoutCertificate, h2(), h1());

        assertEquals(0, hook("sched-requirements", payload(ALLOCATE)).exit());

        assertEquals("SCHED_REQUIREMENTS = \"ID = 7\"", sentTemplate());
    }

    @Test
    void withoutItsCertificateARegulatedVmStaysPendingOnIdMinusOne() {
        serveVm(4, document("one.vm.info.pending")); // REGULATION as allocated: no CERTIFICATE yet

        HookRun r = hook("sched-requirements", payload(ALLOCATE));

        assertEquals(0, r.exit(), r.toString());
        assertEquals("SCHED_REQUIREMENTS = \"ID = -1\"", sentTemplate());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().contains("no host may run regulated VM 4"), r.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {UPDATE_REPLACE, UPDATE_MERGE})
    void anUpdateRecomputesForTheVmInItsFirstParameter(String name) {
        serveVm(4, certified(document("one.vm.info.running-h1")));

        assertEquals(0, hook("sched-requirements", payload(name)).exit());

        assertEquals(List.of(4), calls("one.vm.info").get(0).params());
        assertEquals("SCHED_REQUIREMENTS = \"ID = 7\"", sentTemplate());
    }

    @Test
    void theUpdateFiredByItsOwnWriteChangesNothingSoThereIsNoLoop() {
        String before = certified(document("one.vm.info.running-h1"));
        String after = HookFixtures.withUserAttribute(before, "SCHED_REQUIREMENTS", "ID = 7");
        oned.stubFor(call("one.vm.info", 4).inScenario("vm").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(ok(HookFixtures.reply(before))));
        oned.stubFor(call("one.vm.info", 4).inScenario("vm").whenScenarioStateIs("written")
                .willReturn(ok(HookFixtures.reply(after))));
        oned.stubFor(call("one.vm.update").inScenario("vm").willSetStateTo("written")
                .willReturn(ok(HookFixtures.idReply(4))));

        HookRun first = hook("sched-requirements", payload(UPDATE_MERGE));
        HookRun echo = hook("sched-requirements", payload(UPDATE_MERGE));

        assertEquals(0, first.exit(), first.toString());
        assertEquals(0, echo.exit(), echo.toString());
        assertEquals(1, calls("one.vm.update").size(), "one write, then nothing");
        assertTrue(echo.out().contains("already"), echo.out());
        assertEquals(1, audit().size(), "an unchanged value is not audited again");
    }

    @Test
    void anOperatorsOwnRequirementIsKeptAndCombinedOnce() {
        String own = HookFixtures.withUserAttribute(certified(document("one.vm.info.running-h1")),
                "SCHED_REQUIREMENTS", "CLUSTER_ID = 100");
        serveVm(4, own);

        assertEquals(0, hook("sched-requirements", payload(UPDATE_MERGE)).exit());
        assertEquals("SCHED_REQUIREMENTS = \"(CLUSTER_ID = 100) & (ID = 7)\"", sentTemplate());

        oned.resetRequests();
        serveVm(4, HookFixtures.withUserAttribute(certified(document("one.vm.info.running-h1")),
                "SCHED_REQUIREMENTS", "(CLUSTER_ID = 100) & (ID = 7)"));
        assertEquals(0, hook("sched-requirements", payload(UPDATE_MERGE)).exit());
        assertEquals(List.of(), calls("one.vm.update"), "the combined value is recognised, not nested again");
    }

    @Test
    void anUnregulatedVmIsLeftAlone() {
        serveVm(4, HookFixtures.withoutRegulation(document("one.vm.info.running-h1")));

        HookRun r = hook("sched-requirements", payload(UPDATE_MERGE));

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("one.vm.info"), methods(), "not even the host pool is read");
        assertTrue(r.out().contains("has no REGULATION"), r.out());
        assertEquals(List.of(), audit());
    }

    @Test
    void aCallOnedRefusedChangedNothingSoTheHookDoesNothing() {
        String refused = decoded(UPDATE_MERGE).replace("<RESULT>1</RESULT>", "<RESULT>0</RESULT>");

        HookRun r = hook("sched-requirements", Base64.getEncoder().encodeToString(refused.getBytes(StandardCharsets.UTF_8)));

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of(), methods());
    }

    @Test
    void anUpdateWhoseTemplateTextBreaksTheXmlIsStillRead() {
        // oned copies IN values into $API unescaped: an expression with & and < is not well-formed XML
        serveVm(4, certified(document("one.vm.info.running-h1")));
        String raw = decoded(UPDATE_MERGE).replace("LABELS = \"fixture\"", "SCHED_REQUIREMENTS = \"CPU < 4 & FREE_CPU > 1\"");

        HookRun r = hook("sched-requirements", Base64.getEncoder().encodeToString(raw.getBytes(StandardCharsets.UTF_8)));

        assertEquals(0, r.exit(), r.toString());
        assertEquals("SCHED_REQUIREMENTS = \"ID = 7\"", sentTemplate());
    }

    /** The recorded merge update's $API with {@code template} as the update's text and {@code mode} as IN 4. */
    static String updateOf(String template, int mode) {
        String raw = decoded(UPDATE_MERGE).replace("REGULATION = [\n  COUNTRIES = \"PT\" ]\nLABELS = \"fixture\"\n", template)
                .replace("<POSITION>4</POSITION>\n      <TYPE>IN</TYPE>\n      <VALUE>1</VALUE>",
                        "<POSITION>4</POSITION>\n      <TYPE>IN</TYPE>\n      <VALUE>" + mode + "</VALUE>");
        assertTrue(raw.contains(template) && raw.contains("<VALUE>" + mode + "</VALUE>"), raw);
        return Base64.getEncoder().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    static final String PROGRESS_NOTE = ProgressNote.ended(ProgressNote.State.FAILED, "rollback",
            "not migrated, still running on h1: rsync: write failed on \"/var/lib/one/datastores/100/4/disk.0\"",
            java.time.Instant.parse("2026-11-27T12:00:03Z")).template();

    @Test
    void aMigrationsProgressNoteEndsTheHookBeforeAnyOnedCall() {
        HookRun r = hook("sched-requirements", updateOf(PROGRESS_NOTE, 1));

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of(), methods(), "a live migration merges one every few seconds");
        assertTrue(r.out().contains("progress note"), r.out());
    }

    @Test
    void aProgressNoteSentInReplaceModeOrWithAnotherAttributeIsAnUpdateLikeAnyOther() {
        serveVm(4, certified(document("one.vm.info.running-h1")));

        assertEquals(0, hook("sched-requirements", updateOf(PROGRESS_NOTE, 0)).exit());
        assertEquals("SCHED_REQUIREMENTS = \"ID = 7\"", sentTemplate(), "a replace dropped SCHED_REQUIREMENTS too");

        oned.resetRequests();
        assertEquals(0, hook("sched-requirements", updateOf(PROGRESS_NOTE + "REGULATION = [ COUNTRIES = \"PT\" ]\n", 1))
                .exit());
        assertEquals(List.of(4), calls("one.vm.info").get(0).params());
    }

    @Test
    void anUpdateOnedRefusesFailsTheHookWithOneLine() {
        serveVm(4, pending());
        oned.stubFor(call("one.vm.update").willReturn(ok(HookFixtures.recordedResponse("one.vm.info.fail-auth-wrong-password"))));

        HookRun r = hook("sched-requirements", payload(ALLOCATE));

        assertEquals(1, r.exit(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().contains("could not be written") && r.err().contains("AUTHENTICATION"), r.err());
    }

    @Test
    void garbageIsRefusedWithExitTwoAndNoOnedCall() {
        String vmNotCallInfo = payload(HookFixtures.RUNNING_AFTER_MIGRATE_H2);
        for (String bad : List.of("", "%%%", "YWJj\n", vmNotCallInfo)) {
            HookRun r = hook("sched-requirements", bad);
            assertEquals(2, r.exit(), r.toString());
            assertEquals(1, r.errLines().size(), r.toString());
        }
        assertEquals(List.of(), methods());
        assertEquals(List.of(), audit());
    }
}
