package io.onehaul.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The VM attributes a migration leaves, as one.vm.update text that oned reads back unchanged. */
class ProgressNoteTest {
    private static final Instant AT = Instant.parse("2026-11-27T12:00:03.456Z");
    private static final long MIB = 1 << 20;

    @Test
    void aRunningPhaseWithBytesSaysHowFarItIs() {
        String template = ProgressNote.running("pre-sync", 412 * MIB, 1024 * MIB, AT).template();

        assertEquals("""
                ONEHAUL_MIGRATION_STATE = "running"
                ONEHAUL_MIGRATION_PHASE = "pre-sync"
                ONEHAUL_MIGRATION_PROGRESS = "412 MiB of 1024 MiB (40%)"
                ONEHAUL_MIGRATION_RESULT = ""
                ONEHAUL_MIGRATION_UPDATED = "2026-11-27T12:00:03Z"
                """, template, "flat single attributes, UTC to the second");
    }

    @Test
    void everyNoteCarriesAllFiveAttributesSoNothingFromAnEarlierPhaseLingers() {
        Map<String, String> freeze = OnedTemplateReader.read(ProgressNote.running("freeze", -1, -1, AT).template());
        assertEquals(Map.of("ONEHAUL_MIGRATION_STATE", "running", "ONEHAUL_MIGRATION_PHASE", "freeze",
                "ONEHAUL_MIGRATION_PROGRESS", "", "ONEHAUL_MIGRATION_RESULT", "",
                "ONEHAUL_MIGRATION_UPDATED", "2026-11-27T12:00:03Z"), freeze);
    }

    @Test
    void theEndKeepsTheLastPhaseAndSaysTheOutcome() {
        Map<String, String> done = OnedTemplateReader.read(ProgressNote.ended(ProgressNote.State.DONE, "commit",
                "migration success: stop-and-copy h1 -> h2, freeze 1.20 s", AT).template());
        assertEquals("done", done.get(ProgressNote.STATE));
        assertEquals("commit", done.get(ProgressNote.PHASE));
        assertEquals("", done.get(ProgressNote.PROGRESS));
        assertEquals("migration success: stop-and-copy h1 -> h2, freeze 1.20 s", done.get(ProgressNote.RESULT));

        Map<String, String> failed = OnedTemplateReader.read(ProgressNote.ended(ProgressNote.State.FAILED, "rollback",
                "not migrated, still running on h1: no room on h2", AT).template());
        assertEquals("failed", failed.get(ProgressNote.STATE));
        assertEquals("not migrated, still running on h1: no room on h2", failed.get(ProgressNote.RESULT));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "rsync: [receiver] write failed on \"/var/lib/one/datastores/100/7/disk.0\": No space left on device (28)",
        "a backslash \\ stays one backslash, \\\\ two, and \\n is not a newline",
        "a quote after a backslash: C:\\\"dir\\\"",
        "\"quoted from the start\" and \"to the end\"",
        "tabs\tand ünïcödé — fine"})
    void aReasonReadsBackAsItWasWritten(String reason) {
        String template = ProgressNote.ended(ProgressNote.State.FAILED, "freeze", reason, AT).template();

        assertEquals(reason, OnedTemplateReader.read(template).get(ProgressNote.RESULT), template);
    }

    @Test
    void whatOnedCannotHoldIsMadeHarmless() {
        Map<String, String> read = OnedTemplateReader.read(ProgressNote.ended(ProgressNote.State.FAILED, "freeze",
                "line one\nline two\r\nends with a backslash \\", AT).template());
        assertEquals("line one line two ends with a backslash \\ ", read.get(ProgressNote.RESULT),
                "newlines become spaces; a final backslash gets a space, or it would escape the closing quote");
        assertEquals(5, read.size(), "no value swallowed the next attribute");

        String cdata = ProgressNote.ended(ProgressNote.State.FAILED, "freeze", "xml said ]]> here", AT).template();
        assertEquals("xml said ]] > here", OnedTemplateReader.read(cdata).get(ProgressNote.RESULT),
                "oned aborts a template holding ]]>");
    }

    @Test
    void aLongReasonIsCutForTheTemplateTheVmLogKeepsItWhole() {
        String reason = "x".repeat(5000);
        String result = ProgressNote.ended(ProgressNote.State.FAILED, "pre-sync", reason, AT).result();
        assertEquals(ProgressNote.MAX_RESULT_CHARS, result.length());
        assertTrue(result.endsWith("…"));
    }

    @Test
    void bytesAreShownInMibWithTheShareDone() {
        assertEquals("412 MiB of 1024 MiB (40%)", ProgressNote.bytes(412 * MIB + 5, 1024 * MIB));
        assertEquals("0 MiB of 1024 MiB (0%)", ProgressNote.bytes(0, 1024 * MIB));
        assertEquals("1024 MiB of 1024 MiB (100%)", ProgressNote.bytes(1024 * MIB, 1024 * MIB));
        assertEquals("1030 MiB of 1030 MiB (100%)", ProgressNote.bytes(1030 * MIB, 1024 * MIB),
                "a folder that grew since it was measured never shows more than 100%");
        assertEquals("412 MiB", ProgressNote.bytes(412 * MIB, -1), "no total: just the count");
        assertEquals("", ProgressNote.bytes(-1, -1), "a phase that moves no bytes");
    }

    @Test
    void anUpdateOfOnlyOurAttributesIsToldFromAnyOther() {
        String ours = ProgressNote.ended(ProgressNote.State.FAILED, "freeze", "a \"quoted\" reason \\", AT).template();
        assertTrue(ProgressNote.isProgressOnly(ours));
        assertTrue(ProgressNote.isProgressOnly(ProgressNote.running("pre-sync", 1, 2, AT).template()));

        assertFalse(ProgressNote.isProgressOnly(ours + "REGULATION = [ COUNTRIES = \"PT\" ]\n"));
        assertFalse(ProgressNote.isProgressOnly("ONEHAUL_MIGRATION_STATE = \"done\" REGULATION = \"x\""),
                "a second attribute smuggled onto our line after a closing quote");
        assertFalse(ProgressNote.isProgressOnly("SCHED_REQUIREMENTS = \"ID = 7\"\n"));
        assertFalse(ProgressNote.isProgressOnly(""));
    }
}
