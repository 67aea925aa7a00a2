package io.onehaul.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.host.HostException;
import io.onehaul.leftover.Leftover;
import io.onehaul.leftover.LeftoverJournal;
import io.onehaul.migration.MigrationRequest;
import io.onehaul.opennebula.DriverMessage;
import io.onehaul.opennebula.VmmArgs;
import io.onehaul.testsupport.Fixtures;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A source that could not be released after the destination ran: its leftovers are recorded, and the report says where. */
class SourceLeftoversTest {
    static final Instant NOW = Instant.parse("2026-11-30T03:00:00Z");
    @TempDir Path dir;

    static MigrationRequest request() {
        DriverMessage m = DriverMessage.parse(Fixtures.text("0006-vmm-migrate.stdin.xml"));
        return MigrationRequest.from(VmmArgs.migrate(List.of("one-3", "h2", "h1", "3", "h1")), m, "/var/lib/one/datastores");
    }

    @Test
    void theLeftoversOfTheSourceAreRecordedAndTheReasonSaysWhere() {
        LeftoverJournal j = new LeftoverJournal(dir);
        MigrationRequest r = request();
        RuntimeException cause = new HostException("h1", "SSH command failed: Did not receive any keep-alive response");
        RuntimeException told = new SourceLeftovers(j, Clock.fixed(NOW, ZoneOffset.UTC)).notReleased(r, cause);
        assertSame(cause, told.getCause());
        assertTrue(told.getMessage().contains("recorded in " + dir), told.getMessage());
        assertEquals(List.of(new Leftover("h1", 3, "one-3", r.sourceSysdir(), r.sharedDatastore(), NOW,
                "h1: SSH command failed: Did not receive any keep-alive response")), j.entriesFor("h1"));
    }

    @Test
    void withoutAJournalTheFailureIsOnlyReported() {
        RuntimeException cause = new HostException("h1", "gone");
        assertSame(cause, SourceLeftovers.NONE.notReleased(request(), cause));
    }
}
