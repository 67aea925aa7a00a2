package io.onehaul.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.config.OneHaulConfig;
import io.onehaul.host.HostException;
import io.onehaul.leftover.Leftover;
import io.onehaul.leftover.LeftoverJournal;
import io.onehaul.opennebula.BadInputException;
import io.onehaul.vmm.DriverSettings;
import io.onehaul.vmm.LeftoverCleanup;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HOST MONITORED hook contacts a host only when the journal holds leftovers for it. */
class HostLeftoversHookTest {
    @TempDir Path dir;
    final List<String> opened = new ArrayList<>();

    private HostLeftoversHook hook(LeftoverJournal j) {
        DriverSettings s = DriverSettings.from(OneHaulConfig.of(Map.of(), dir));
        return new HostLeftoversHook(new LeftoverCleanup(s, j), host -> {
            opened.add(host);
            throw new HostException(host, "SSH connection failed: No route to host");
        });
    }

    private static String host(String name, int state) {
        return "<HOST><ID>4</ID><NAME>" + name + "</NAME><STATE>" + state + "</STATE></HOST>";
    }

    @Test
    void aHostNotMonitoredOrWithoutRecordsIsNotContacted() {
        LeftoverJournal j = new LeftoverJournal(dir.resolve("leftovers"));
        j.record(new Leftover("h1", 7, "one-7", "/ds/100/7", false, Instant.EPOCH, ""));
        assertTrue(hook(j).run(host("h1", 3)).out().contains("not MONITORED: nothing to do"));
        assertEquals("no leftovers recorded for host h2", hook(j).run(host("h2", 2)).out());
        assertEquals(List.of(), opened);
    }

    @Test
    void aHostStillUnreachableFailsTheRunAndKeepsTheRecord() {
        LeftoverJournal j = new LeftoverJournal(dir.resolve("leftovers"));
        j.record(new Leftover("h1", 7, "one-7", "/ds/100/7", false, Instant.EPOCH, ""));
        HookResult r = hook(j).run(host("h1", 2));
        assertEquals(HookResult.FAILED, r.exit());
        assertTrue(r.err().contains("No route to host"), r.err());
        assertEquals(List.of("h1"), opened);
        assertEquals(1, j.entriesFor("h1").size());
    }

    @Test
    void aPayloadThatIsNotAHostIsBadInput() {
        assertThrows(BadInputException.class, () -> hook(new LeftoverJournal(dir)).run("<VM><ID>1</ID></VM>"));
    }
}
