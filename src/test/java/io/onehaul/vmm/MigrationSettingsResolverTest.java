package io.onehaul.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.config.OneHaulConfig;
import io.onehaul.migration.MigrationSettings;
import io.onehaul.opennebula.BadInputException;
import io.onehaul.opennebula.VmXml;
import io.onehaul.testsupport.Fixtures;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where a migration's settings come from: onehaul.conf, the cluster, the host, the VM — the most specific wins. */
class MigrationSettingsResolverTest {

    static VmXml vm(String userTemplate) {
        String doc = Fixtures.text("0004-vmm-deploy.stdin.xml").replace("<USER_TEMPLATE></USER_TEMPLATE>",
                "<USER_TEMPLATE>" + userTemplate + "</USER_TEMPLATE>");
        return VmXml.parse(doc);
    }

    static MigrationSettings conf(Map<String, String> values) {
        return DriverSettings.migration(OneHaulConfig.of(values, Path.of("/root")));
    }

    @Test
    void without_any_setting_the_choice_is_auto_with_a_two_second_target_and_no_cold_fallback() {
        MigrationSettings s = MigrationSettingsResolver.resolve(conf(Map.of()), List.of(), vm(""));
        assertTrue(s.auto());
        assertEquals(2.0, s.targetFreezeSeconds());
        assertEquals(false, s.coldFallback());
    }

    @Test
    void the_most_specific_source_that_sets_a_value_wins() {
        MigrationSettings operator = conf(Map.of("migration.strategies", "streamed,stop-and-copy",
                "migration.target_freeze_seconds", "3", "migration.cold_fallback", "yes"));
        Map<String, String> cluster = Map.of("ONEHAUL_MIGRATION_TARGET_FREEZE", "1.5");
        Map<String, String> host = Map.of("ONEHAUL_COLD_FALLBACK", "no");
        MigrationSettings s = MigrationSettingsResolver.resolve(operator, List.of(cluster, host),
                vm("<ONEHAUL_MIGRATION_STRATEGIES><![CDATA[post-copy, streamed]]></ONEHAUL_MIGRATION_STRATEGIES>"));
        assertEquals(List.of("post-copy", "streamed"), s.strategies(), "the VM's owner");
        assertEquals(1.5, s.targetFreezeSeconds(), "the cluster's");
        assertEquals(false, s.coldFallback(), "the host's");
    }

    @Test
    void a_bad_value_is_bad_input_that_names_where_it_was() {
        BadInputException e = assertThrows(BadInputException.class, () -> MigrationSettingsResolver.resolve(conf(Map.of()),
                List.of(), vm("<ONEHAUL_MIGRATION_STRATEGIES>teleport</ONEHAUL_MIGRATION_STRATEGIES>")));
        assertTrue(e.getMessage().contains("USER_TEMPLATE ONEHAUL_MIGRATION_STRATEGIES: unknown migration strategy 'teleport'"),
                e.getMessage());
        BadInputException c = assertThrows(BadInputException.class, () -> conf(Map.of("migration.cold_fallback", "sometimes")));
        assertTrue(c.getMessage().startsWith("onehaul.conf: migration.cold_fallback"), c.getMessage());
        assertThrows(BadInputException.class, () -> MigrationSettingsResolver.resolve(conf(Map.of()),
                List.of(Map.of("ONEHAUL_MIGRATION_TARGET_FREEZE", "-1")), vm("")));
    }
}
