package io.onehaul.leftover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeftoverJournalTest {
    @TempDir Path dir;

    static Leftover leftover(String host, int vmid, String sysdir) {
        return new Leftover(host, vmid, "one-" + vmid, sysdir, false, Instant.parse("2026-11-30T03:00:00Z"),
                "h1: SSH command failed: Did not receive any keep-alive response\nfor 10 seconds");
    }

    @Test
    void aRecordIsOneWholeFilePerLeftoverAndReadsBackAsWritten() throws Exception {
        LeftoverJournal j = new LeftoverJournal(dir.resolve("state/leftovers"));
        assertFalse(j.mayHaveEntriesFor("h1"), "no folder yet: nothing");
        Leftover l = leftover("h1", 7, "/var/lib/one/datastores/100/7");
        Path f = j.record(l);
        assertEquals(f, j.fileOf(l));
        try (Stream<Path> s = Files.list(j.dir())) {
            assertEquals(List.of(f), s.filter(p -> !p.getFileName().toString().startsWith(".")).toList(),
                    "no temporary file left beside it");
        }
        Leftover back = j.entriesFor("h1").get(0);
        assertEquals(new Leftover("h1", 7, "one-7", "/var/lib/one/datastores/100/7", false, l.recordedAt(),
                "h1: SSH command failed: Did not receive any keep-alive response for 10 seconds"), back);
        assertEquals(l.host(), back.host());
        j.record(l);
        assertEquals(1, j.entriesFor("h1").size(), "recording the same leftover again replaces it");
        j.drop(l);
        assertFalse(j.mayHaveEntriesFor("h1"));
    }

    @Test
    void aHostsEntriesAreItsOwnEvenWhenAnotherHostsNameStartsTheSame() {
        LeftoverJournal j = new LeftoverJournal(dir);
        j.record(leftover("a", 1, "/ds/0/1"));
        j.record(leftover("a--b", 2, "/ds/0/2"));
        j.record(leftover("h1", 3, "/ds/0/3"));
        j.record(leftover("h1", 3, "/ds/1/3"));
        assertEquals(List.of(1), j.entriesFor("a").stream().map(Leftover::vmid).toList());
        assertEquals(2, j.entriesFor("h1").size(), "one file per VM folder");
        assertTrue(j.mayHaveEntriesFor("a--b"));
        assertFalse(j.mayHaveEntriesFor("h2"));
    }

    @Test
    void aFolderOnASharedDatastoreIsRecordedAsSuchAndAnUnknownRecordCountsAsShared() {
        Leftover shared = new Leftover("h1", 4, "one-4", "/ds/0/4", true, Instant.EPOCH, "");
        assertTrue(Leftover.parse(shared.toText(), "t").sharedFolder());
        String old = shared.toText().replace("shared_folder=yes\n", "");
        assertTrue(Leftover.parse(old, "t").sharedFolder(), "when in doubt the folder is kept");
    }
}
