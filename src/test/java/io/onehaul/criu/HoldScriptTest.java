package io.onehaul.criu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.host.HostException;
import io.onehaul.testsupport.LocalShell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hold script CRIU runs at post-dump, run here by sh as CRIU would (CRTOOLS_SCRIPT_ACTION set, in its
 * work folder), with a real lease command ({@link HoldLease}) or a dead pid: a hold whose driver is gone ends
 * after the grace while the restore has not begun, and only at the hard limit once it has.
 */
class HoldScriptTest {
    @TempDir Path work;
    private Process hold;
    private Process other;

    @AfterEach
    void end() {
        if (hold != null) {
            hold.destroyForcibly();
        }
        if (other != null) {
            other.destroyForcibly();
        }
    }

    private void startHold(Duration limit) throws Exception {
        startHold(limit, null);
    }

    /** @param path the PATH the script runs with (null: this process's) */
    private void startHold(Duration limit, String path) throws Exception {
        Path script = work.resolve("hold.sh");
        Files.writeString(script, HeldDump.holdScript(true, limit));
        ProcessBuilder pb = new ProcessBuilder("sh", script.toString());
        pb.environment().put("CRTOOLS_SCRIPT_ACTION", "post-dump");
        if (path != null) {
            pb.environment().put("PATH", path);
        }
        hold = pb.start();
    }

    /** A PATH whose {@code sleep} takes five times as long as asked, as on a host too busy to wake it on time. */
    private String slowSleepPath() throws Exception {
        Path bin = Files.createDirectories(work.resolve("slow-bin"));
        Path sleep = bin.resolve("sleep");
        Files.writeString(sleep, "#!/bin/sh\nexec /bin/sleep \"$(awk -v s=\"$1\" 'BEGIN { print s * 5 }')\"\n");
        assertTrue(sleep.toFile().setExecutable(true));
        return bin + ":" + System.getenv("PATH");
    }

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    private String file(String name) throws Exception {
        return Files.readString(work.resolve(name)).strip();
    }

    @Test
    void a_dead_lease_aborts_the_hold_after_the_grace() throws Exception {
        Files.writeString(work.resolve(HoldLease.FILE), deadPid() + "\n");
        long t0 = System.nanoTime();
        startHold(Duration.ofSeconds(300));
        assertTrue(hold.waitFor(HeldDump.LEASE_GRACE.toSeconds() + 4, TimeUnit.SECONDS), "the hold ended by itself");
        double took = (System.nanoTime() - t0) / 1e9;
        assertEquals(1, hold.exitValue(), "abort: CRIU resumes the tasks");
        assertEquals("abort-lease-lost", file("decision"));
        assertTrue(Files.exists(work.resolve(HoldLease.LOST)) && !Files.exists(work.resolve(HoldLease.FILE)));
        assertTrue(took >= HeldDump.LEASE_GRACE.toMillis() / 1000.0, "not before the grace: " + took);
        assertTrue(Files.exists(work.resolve("dumped")));
    }

    @Test
    void a_living_lease_holds_until_the_driver_decides() throws Exception {
        LocalShell sh = new LocalShell();
        HoldLease lease = HoldLease.take(sh, work.toString());
        try {
            startHold(Duration.ofSeconds(300));
            assertFalse(hold.waitFor(HeldDump.LEASE_GRACE.toMillis() + 1500, TimeUnit.MILLISECONDS), "still held");
            Files.writeString(work.resolve("decision"), "commit\n");
            assertTrue(hold.waitFor(2, TimeUnit.SECONDS));
            assertEquals(0, hold.exitValue(), "commit: CRIU ends the tasks");
        } finally {
            lease.release();
        }
        String pid = file(HoldLease.FILE);
        assertFalse(Files.exists(Path.of("/proc", pid, "cmdline")) && Files.readString(Path.of("/proc", pid, "cmdline"))
                .contains("while echo alive"), "release ended the lease command");
    }

    @Test
    void once_the_restore_began_a_dead_driver_changes_nothing_and_only_the_hard_limit_ends_the_hold() throws Exception {
        LocalShell sh = new LocalShell();
        HoldLease lease = HoldLease.take(sh, work.toString());
        HoldLease.markRestoreBegun(sh, work.toString());
        lease.release(); // the driver dies after marking
        long t0 = System.nanoTime();
        startHold(Duration.ofSeconds(HeldDump.LEASE_GRACE.toSeconds() + 3));
        assertTrue(hold.waitFor(HeldDump.LEASE_GRACE.toSeconds() + 8, TimeUnit.SECONDS));
        double took = (System.nanoTime() - t0) / 1e9;
        assertEquals("abort-timeout", file("decision"));
        assertTrue(took >= HeldDump.LEASE_GRACE.toSeconds() + 3, "held up to the limit: " + took);
        assertTrue(Files.exists(work.resolve(HoldLease.RESTORE_BEGUN)) && !Files.exists(work.resolve(HoldLease.LOST)));
    }

    @Test
    void the_hard_limit_is_kept_by_the_clock_even_when_every_sleep_oversleeps() throws Exception {
        LocalShell sh = new LocalShell();
        HoldLease lease = HoldLease.take(sh, work.toString());
        HoldLease.markRestoreBegun(sh, work.toString());
        lease.release();
        long t0 = System.nanoTime();
        startHold(Duration.ofSeconds(4), slowSleepPath());
        assertTrue(hold.waitFor(9, TimeUnit.SECONDS), "ended near its 4 s limit, not after 4 s of counted sleeps (20 s)");
        double took = (System.nanoTime() - t0) / 1e9;
        assertEquals("abort-timeout", file("decision"));
        assertTrue(took >= 3, "not long before the limit: " + took);
    }

    @Test
    void the_restore_cannot_begin_once_the_script_took_the_lease() throws Exception {
        Files.writeString(work.resolve(HoldLease.FILE), deadPid() + "\n");
        startHold(Duration.ofSeconds(300));
        assertTrue(hold.waitFor(HeldDump.LEASE_GRACE.toSeconds() + 4, TimeUnit.SECONDS));
        HostException e = assertThrows(HostException.class, () -> HoldLease.markRestoreBegun(new LocalShell(), work.toString()));
        assertTrue(e.getMessage().contains("must not restore") && e.getMessage().contains("abort-lease-lost"), e.getMessage());
    }

    @Test
    void the_restore_mark_takes_the_lease_once() throws Exception {
        LocalShell sh = new LocalShell();
        HoldLease lease = HoldLease.take(sh, work.toString());
        try {
            String pid = file(HoldLease.FILE);
            HoldLease.markRestoreBegun(sh, work.toString());
            assertEquals(pid, file(HoldLease.RESTORE_BEGUN), "the pid goes along: a live driver can still be told");
            assertThrows(HostException.class, () -> HoldLease.markRestoreBegun(sh, work.toString()));
        } finally {
            lease.release();
        }
    }

    @Test
    void every_other_action_passes_at_once() throws Exception {
        Path script = work.resolve("hold.sh");
        Files.writeString(script, HeldDump.holdScript(true, Duration.ofSeconds(300)));
        for (String action : new String[] {"pre-dump", "network-lock", "network-unlock"}) {
            ProcessBuilder pb = new ProcessBuilder("sh", script.toString());
            pb.environment().put("CRTOOLS_SCRIPT_ACTION", action);
            other = pb.start();
            assertTrue(other.waitFor(2, TimeUnit.SECONDS));
            assertEquals(0, other.exitValue(), action);
        }
        assertFalse(Files.exists(work.resolve("dumped")));
    }
}
