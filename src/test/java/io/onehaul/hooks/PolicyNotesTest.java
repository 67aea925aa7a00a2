package io.onehaul.hooks;

import static io.onehaul.hooks.HookFixtures.decoded;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.config.OneHaulConfig;
import io.onehaul.opennebula.BadInputException;
import io.onehaul.opennebula.VmXml;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The small rules behind the hooks: how an arrival is classified from the recorded histories, the
 * violation note and its round trip, SCHED_REQUIREMENTS values, template quoting, the remediation setting.
 */
class PolicyNotesTest {

    @Test
    void arrivalsAreReadFromTheRecordedHistories() {
        assertEquals(Arrival.DEPLOY, Arrival.of(VmXml.parse(decoded(HookFixtures.RUNNING_AFTER_DEPLOY_H1))), "1 record");
        assertEquals(Arrival.MIGRATION, Arrival.of(VmXml.parse(decoded(HookFixtures.RUNNING_AFTER_MIGRATE_H2))), "h1 ACTION 2 -> h2");
        assertEquals(Arrival.MIGRATION, Arrival.of(VmXml.parse(decoded(HookFixtures.RUNNING_AFTER_MIGRATE_H1))), "h2 ACTION 2 -> h1");
        assertEquals(Arrival.STAYED, Arrival.of(VmXml.parse(decoded(HookFixtures.RUNNING_AFTER_RESUME))), "h1 ACTION 19 -> h1");
    }

    @Test
    void everyMigrationActionCountsAndOtherActionsOnAnotherHostAreADeploy() {
        String vm = decoded(HookFixtures.RUNNING_AFTER_MIGRATE_H2);
        for (int action : List.of(1, 2, 48, 49)) {
            assertEquals(Arrival.MIGRATION, Arrival.of(VmXml.parse(vm.replace("<ACTION>2</ACTION>", "<ACTION>" + action + "</ACTION>"))));
        }
        assertEquals(Arrival.DEPLOY, Arrival.of(VmXml.parse(vm.replace("<ACTION>2</ACTION>", "<ACTION>5</ACTION>"))), "undeploy");
    }

    @Test
    void theViolationNoteNamesThePlacementAndIsRecognisedAgain() {
        String note = ViolationMarker.text(Instant.parse("2026-11-27T12:00:00Z"), "COUNTRY_NOT_ALLOWED", "h2", 8, 1,
                "migrate-back to h1 (id 7), live");
        assertEquals("2026-11-27T12:00:00Z COUNTRY_NOT_ALLOWED on host h2 (id 8), history seq 1; "
                + "remediation: migrate-back to h1 (id 7), live", note);
        ViolationMarker m = ViolationMarker.parse(note).orElseThrow();
        assertTrue(m.records(1, 8));
        assertEquals(false, m.records(1, 7));
        assertEquals(false, m.records(2, 8));
        assertEquals(Optional.empty(), ViolationMarker.parse("someone wrote this by hand"));
        assertEquals(Optional.empty(), ViolationMarker.parse(""));
    }

    @Test
    void schedRequirementsListCompliantHostsOrNone() {
        assertEquals("ID = -1", SchedRequirements.hostList(List.of()));
        assertEquals("ID = 1 | ID = 4", SchedRequirements.hostList(List.of(4, 1, 4)));
        assertEquals("ID = 7", SchedRequirements.wanted("", List.of(7)));
        assertEquals("ID = 7", SchedRequirements.wanted("ID = 1 | ID = 4", List.of(7)), "ours is replaced");
        assertEquals("(CLUSTER_ID = 100) & (ID = 7)", SchedRequirements.wanted("CLUSTER_ID = 100", List.of(7)));
        assertEquals("(CLUSTER_ID = 100) & (ID = -1)", SchedRequirements.wanted("(CLUSTER_ID = 100) & (ID = 7)", List.of()));
        String combined = SchedRequirements.wanted("(A = 1) | (B = 2)", List.of(3));
        assertEquals("((A = 1) | (B = 2)) & (ID = 3)", combined);
        assertEquals(combined, SchedRequirements.wanted(combined, List.of(3)), "reading back never nests deeper");
    }

    @Test
    void templateTextEscapesQuotesOnlyAsOnedsParserExpects() {
        assertEquals("SCHED_REQUIREMENTS = \"ID = 7\"", TemplateText.attribute("SCHED_REQUIREMENTS", "ID = 7"));
        assertEquals("X = \"NAME = \\\"h1\\\" \\\\d\"", TemplateText.attribute("X", "NAME = \"h1\" \\\\d"));
        // oned's template_syntax.y unescape(): only \" becomes ", so the value reads back unchanged
        String v = "NAME = \"h1\" & PATH = \"c:\\\\x\"";
        String written = TemplateText.attribute("X", v);
        String inner = written.substring("X = \"".length(), written.length() - 1);
        assertEquals(v, inner.replace("\\\"", "\""));
        assertEquals("X = \"a b\"", TemplateText.attribute("X", "a\nb"));
        assertEquals("X = \"a\\ \"", TemplateText.attribute("X", "a\\"), "a final backslash would eat the closing quote");
        assertThrows(IllegalArgumentException.class, () -> TemplateText.attribute("A = 1\nB", "x"));
    }

    @Test
    void theRemediationSettingDefaultsToNotifyAndRefusesUnknownValues() {
        Path home = Path.of("/nonexistent");
        assertEquals(Remediation.NOTIFY, Remediation.from(OneHaulConfig.of(Map.of(), home)));
        assertEquals(Remediation.MIGRATE_BACK, Remediation.from(OneHaulConfig.of(Map.of("policy.remediation", " Migrate-Back "), home)));
        assertEquals(Remediation.POWEROFF, Remediation.from(OneHaulConfig.of(Map.of("policy.remediation", "poweroff"), home)));
        assertThrows(BadInputException.class, () -> Remediation.from(OneHaulConfig.of(Map.of("policy.remediation", "delete"), home)));
    }
}
