package io.onehaul.hooks;

import static io.onehaul.hooks.HookFixtures.decoded;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.opennebula.BadInputException;
import io.onehaul.opennebula.Xml;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The recorded CALL_INFO documents, read the way the hooks need them. */
class CallInfoTest {

    @Test
    void aSuccessfulLiveMigrateHasTheSevenInParametersAndTheVmIdOut() {
        CallInfo c = CallInfo.parse(decoded(HookFixtures.MIGRATE_TO_H2));
        assertTrue(c.success());
        assertEquals(Optional.of("****"), c.in(1), "the session is masked");
        assertEquals(4, c.inInt(2, "VM id"));
        assertEquals(8, c.inInt(3, "host id"));
        assertTrue(c.inBool(4, "live", false));
        assertFalse(c.inBool(5, "enforce", true));
        assertEquals(-1, c.inInt(6, "ds", 0));
        assertEquals(0, c.inInt(7, "type", 5));
        assertEquals(Optional.of("true"), c.out(1));
        assertEquals(4, c.outInt(2, "VM id"));
        assertEquals(Optional.empty(), c.out(4), "the object id comes only with failures");
        assertEquals(Optional.empty(), c.extra("VM"), "EXTRA is empty for migrate");
    }

    @Test
    void aRefusedMigrateCarriesOnedsMessageCodeAndObjectId() {
        CallInfo c = CallInfo.parse(decoded("api-vm-migrate/0014.migrate.fail-no-host.argv1.b64"));
        assertFalse(c.success());
        assertEquals(Optional.of("[one.vm.migrate] Error getting host [999]."), c.out(2));
        assertEquals(Optional.of("1024"), c.out(3));
        assertEquals(Optional.of("999"), c.out(4));
    }

    @Test
    void trailingParametersAClientLeftOutTakeTheirDefaults() {
        String xml = decoded(HookFixtures.MIGRATE_TO_H2).replaceAll(
                "(?s)\\s*<PARAMETER>\\s*<POSITION>[567]</POSITION>\\s*<TYPE>IN</TYPE>.*?</PARAMETER>", "");
        CallInfo c = CallInfo.parse(xml);
        assertEquals(Optional.empty(), c.in(5));
        assertFalse(c.inBool(5, "enforce", false));
        assertEquals(-1, c.inInt(6, "ds", -1));
        assertEquals(0, c.inInt(7, "type", 0));
    }

    @Test
    void anAllocateHasTheTemplateTextInAndTheNewVmInExtra() {
        CallInfo c = CallInfo.parse(decoded(HookFixtures.ALLOCATE));
        assertTrue(c.in(2).orElseThrow().startsWith("NAME   = \"fx-regvm\"\n"), "verbatim, newlines kept");
        assertEquals(4, c.outInt(2, "id"));
        assertEquals("4", Xml.text(c.extra("VM").orElseThrow(), "ID"));
        assertEquals("ES,DE", Xml.text(c.extra("VM").orElseThrow(), "USER_TEMPLATE", "REGULATION", "COUNTRIES"));
    }

    @Test
    void anUpdateHasTheVmIdTheTextAndTheMode() {
        CallInfo c = CallInfo.parse(decoded(HookFixtures.UPDATE_MERGE));
        assertEquals(4, c.inInt(2, "VM id"));
        assertEquals("REGULATION = [\n  COUNTRIES = \"PT\" ]\nLABELS = \"fixture\"\n", c.in(3).orElseThrow());
        assertEquals(1, c.inInt(4, "mode"));
        assertEquals(Optional.empty(), c.extra("VM"));
    }

    @Test
    void valuesOnedLeftUnescapedAreRepairedOnlyWhenTheXmlIsBroken() {
        String raw = decoded(HookFixtures.UPDATE_MERGE).replace("LABELS = \"fixture\"", "X = \"a < b & c &amp; d\"");
        CallInfo c = CallInfo.parse(raw);
        assertTrue(c.in(3).orElseThrow().contains("X = \"a < b & c &amp; d\""), "raw text is literal: " + c.in(3));
        String fine = decoded(HookFixtures.UPDATE_MERGE).replace("LABELS = \"fixture\"", "X = \"a &amp; b\"");
        assertTrue(CallInfo.parse(fine).in(3).orElseThrow().contains("X = \"a & b\""), "well-formed XML is read as it is");
    }

    @Test
    void somethingThatIsNotACallInfoIsBadInput() {
        assertThrows(BadInputException.class, () -> CallInfo.parse(decoded(HookFixtures.RUNNING_AFTER_MIGRATE_H2)));
        assertThrows(BadInputException.class, () -> CallInfo.parse("<CALL_INFO><RESULT>yes</RESULT></CALL_INFO>"));
        assertThrows(BadInputException.class, () -> CallInfo.parse("<CALL_INFO><RESULT>1</RESULT><PARAMETERS>"));
        BadInputException e = assertThrows(BadInputException.class, () -> CallInfo.parse(
                "<CALL_INFO><RESULT>1</RESULT><PARAMETERS><PARAMETER><POSITION>2</POSITION><TYPE>IN</TYPE>"
                        + "<VALUE>four</VALUE></PARAMETER></PARAMETERS></CALL_INFO>").inInt(2, "VM id"));
        assertEquals("$API IN parameter 2 (VM id) is not a number: 'four'", e.getMessage());
    }
}
