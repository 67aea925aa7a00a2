package io.onehaul.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.config.OneHaulConfig;
import io.onehaul.host.CommandResult;
import io.onehaul.host.HostException;
import io.onehaul.host.HostShell;
import io.onehaul.leftover.Leftover;
import io.onehaul.leftover.LeftoverJournal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every action's way to a host cleans what the journal holds for it first, and only that. */
class CleaningHostsTest {
    static final Instant RECORDED = Instant.parse("2026-11-30T03:00:00Z");

    @TempDir Path dir;

    /** A host whose container one-7 is in {@code state}, defined at {@code definedAt}; {@code failing} commands fail. */
    static final class FakeHost implements HostShell {
        final List<String> commands = new ArrayList<>();
        final String state;
        final Instant definedAt;
        final String failing;
        boolean closed;

        FakeHost(String state, Instant definedAt, String failing) {
            this.state = state;
            this.definedAt = definedAt;
            this.failing = failing;
        }

        @Override public String host() { return "h1"; }

        @Override public CommandResult run(String command, byte[] stdin, Duration timeout) {
            commands.add(command);
            String out = "";
            if (command.startsWith("lxc-config")) {
                out = "/var/lib/lxc\n";
            } else if (command.contains("echo UNDEFINED")) {
                out = state + "\n";
            } else if (command.startsWith("stat -c %Y")) {
                out = definedAt.getEpochSecond() + "\n";
            }
            int rc = failing != null && command.contains(failing) ? 1 : 0;
            return new CommandResult(rc, out, rc == 0 ? "" : "rm: cannot remove: Device or resource busy", Duration.ZERO);
        }

        @Override public void close() { closed = true; }

        boolean ran(String fragment) {
            return commands.stream().anyMatch(c -> c.contains(fragment));
        }

        int indexOf(String fragment) {
            for (int i = 0; i < commands.size(); i++) {
                if (commands.get(i).contains(fragment)) {
                    return i;
                }
            }
            return -1;
        }
    }

    private LeftoverJournal journal() {
        return new LeftoverJournal(dir.resolve("leftovers"));
    }

    private CleaningHosts hosts(FakeHost h) {
        DriverSettings s = DriverSettings.from(OneHaulConfig.of(Map.of(), dir));
        return new CleaningHosts(name -> h, new LeftoverCleanup(s, journal()));
    }

    private static Leftover leftover(boolean shared) {
        return new Leftover("h1", 7, "one-7", "/ds/100/7", shared, RECORDED, "h1 unreachable");
    }

    @Test
    void aHostWithoutRecordsIsHandedOutUntouched() {
        FakeHost h1 = new FakeHost("STOPPED", RECORDED.minusSeconds(60), null);
        journal().record(new Leftover("h2", 7, "one-7", "/ds/100/7", false, RECORDED, ""));
        assertEquals(h1, hosts(h1).open("h1"));
        assertEquals(List.of(), h1.commands);
    }

    @Test
    void aStaleCopyIsKilledUnmountedRemovedAndUndefinedLastThenTheRecordGoes() {
        FakeHost h1 = new FakeHost("RUNNING", RECORDED.minusSeconds(60), null);
        journal().record(leftover(false));
        hosts(h1).open("h1");
        assertTrue(h1.ran("lxc-stop -P /var/lib/lxc -n one-7 -k"), h1.commands.toString());
        assertTrue(h1.ran("umount"), "its mounts released");
        int rm = h1.indexOf("rm -rf /ds/100/7");
        int undefine = h1.indexOf("rm -rf /var/lib/lxc/one-7");
        assertTrue(rm >= 0 && undefine > rm, "the folder goes, then the definition: " + h1.commands);
        assertFalse(journal().mayHaveEntriesFor("h1"));
    }

    @Test
    void aContainerDefinedThereAfterTheRecordIsTheVmsAndOnlyTheRecordGoes() {
        FakeHost h1 = new FakeHost("RUNNING", RECORDED.plusSeconds(600), null);
        journal().record(leftover(false));
        hosts(h1).open("h1");
        assertFalse(h1.ran("lxc-stop"), h1.commands.toString());
        assertFalse(h1.ran("rm -rf"), h1.commands.toString());
        assertFalse(journal().mayHaveEntriesFor("h1"));
    }

    @Test
    void aFolderOnASharedDatastoreIsNeverRemoved() {
        FakeHost h1 = new FakeHost("STOPPED", RECORDED.minusSeconds(60), null);
        journal().record(leftover(true));
        hosts(h1).open("h1");
        assertFalse(h1.ran("rm -rf /ds/100/7"), h1.commands.toString());
        assertTrue(h1.ran("rm -rf /var/lib/lxc/one-7"), "the stale definition still goes");
    }

    @Test
    void aCleaningThatFailsStopsTheActionOnThatHostAndKeepsTheRecord() {
        FakeHost h1 = new FakeHost("STOPPED", RECORDED.minusSeconds(60), "rm -rf /ds/100/7");
        journal().record(leftover(false));
        HostException e = assertThrows(HostException.class, () -> hosts(h1).open("h1"));
        assertTrue(e.getMessage().contains("could not be cleaned, so nothing else is done on h1"), e.getMessage());
        assertTrue(e.getMessage().contains("Device or resource busy"), e.getMessage());
        assertTrue(h1.closed, "the shell is not handed out");
        assertTrue(journal().mayHaveEntriesFor("h1"), "kept for the next try");
    }
}
