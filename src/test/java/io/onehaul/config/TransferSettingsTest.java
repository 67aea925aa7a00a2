package io.onehaul.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.opennebula.BadInputException;
import io.onehaul.testsupport.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** transfer.compress and transfer.bwlimit_mbit: defaults, accepted spellings, and refusals that name the key. */
class TransferSettingsTest {
    private static OneHaulConfig config(Map<String, String> values) {
        return OneHaulConfig.of(values, Path.of("/home/oneadmin"));
    }

    @Test
    void offAndUncappedByDefault() {
        assertFalse(config(Map.of()).transferCompress());
        assertEquals(0, config(Map.of()).transferBwlimitMbit());
    }

    @Test
    void onOffAndTheUsualBooleansAreAccepted() {
        for (String yes : new String[] {"on", "true", "yes", "1", "ON"}) {
            assertTrue(config(Map.of("transfer.compress", yes)).transferCompress(), yes);
        }
        for (String no : new String[] {"off", "false", "no", "0", ""}) {
            assertFalse(config(Map.of("transfer.compress", no)).transferCompress(), no);
        }
        assertEquals(100, config(Map.of("transfer.bwlimit_mbit", " 100 ")).transferBwlimitMbit());
    }

    @Test
    void aBadValueIsRefusedWithItsKey() {
        var compress = assertThrows(BadInputException.class,
                () -> config(Map.of("transfer.compress", "zstd")).transferCompress());
        assertTrue(compress.getMessage().contains("transfer.compress") && compress.getMessage().contains("'zstd'"),
                compress.getMessage());
        for (String bad : new String[] {"-5", "100M", "1.5", "fast"}) {
            var e = assertThrows(BadInputException.class,
                    () -> config(Map.of("transfer.bwlimit_mbit", bad)).transferBwlimitMbit(), bad);
            assertTrue(e.getMessage().contains("transfer.bwlimit_mbit"), e.getMessage());
        }
    }

    @Test
    void theShippedConfigDocumentsBothKeysAtTheirDefaults() throws Exception {
        Path shipped = Repo.root().resolve("etc/onehaul.conf");
        String text = Files.readString(shipped);
        assertTrue(text.contains("\n#transfer.compress = off\n"), "transfer.compress documented");
        assertTrue(text.contains("\n#transfer.bwlimit_mbit = 0\n"), "transfer.bwlimit_mbit documented");
        // the lines, uncommented, mean the defaults
        OneHaulConfig asShipped = OneHaulConfig.load(Map.of("ONEHAUL_CONF", shipped.toString()));
        OneHaulConfig uncommented = config(Map.of("transfer.compress", "off", "transfer.bwlimit_mbit", "0"));
        assertEquals(asShipped.transferCompress(), uncommented.transferCompress());
        assertEquals(asShipped.transferBwlimitMbit(), uncommented.transferBwlimitMbit());
    }
}
