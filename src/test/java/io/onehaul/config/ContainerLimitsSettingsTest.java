package io.onehaul.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.opennebula.BadInputException;
import io.onehaul.testsupport.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** container.pids_max: a limit by default, 0 for none, a bad value refused with its key. */
class ContainerLimitsSettingsTest {
    private static OneHaulConfig config(Map<String, String> values) {
        return OneHaulConfig.of(values, Path.of("/home/oneadmin"));
    }

    @Test
    void every_container_has_a_pids_limit_unless_the_operator_lifts_it() {
        assertEquals(OneHaulConfig.DEFAULT_PIDS_MAX, config(Map.of()).containerPidsMax());
        assertEquals(0, config(Map.of("container.pids_max", "0")).containerPidsMax());
        assertEquals(20000, config(Map.of("container.pids_max", " 20000 ")).containerPidsMax());
    }

    @Test
    void a_bad_limit_is_refused_with_its_key() {
        for (String bad : new String[] {"-1", "lots", "4k"}) {
            var e = assertThrows(BadInputException.class,
                    () -> config(Map.of("container.pids_max", bad)).containerPidsMax(), bad);
            assertTrue(e.getMessage().contains("container.pids_max"), e.getMessage());
        }
    }

    @Test
    void the_shipped_config_documents_the_default() throws Exception {
        String text = Files.readString(Repo.root().resolve("etc/onehaul.conf"));
        assertTrue(text.contains("\n#container.pids_max = " + OneHaulConfig.DEFAULT_PIDS_MAX + "\n"), "documented");
    }
}
