package io.onehaul.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The host-to-host copy's pieces that need no second host: privilege prefix, reasons, retries (the
 * changed-blocks stream: {@link RangesStreamTest}; real rsync between two folders: {@link DirectRsyncLocalLinkTest}).
 */
class DirectRsyncTest {
    @Test
    void theReceiversPrivilegeFollowsTheRemoteRsyncSetting() {
        assertEquals("sudo -n ", new DirectRsync("ssh", "sudo -n rsync").remotePrivilege());
        assertEquals("", new DirectRsync("ssh", "rsync").remotePrivilege());
        assertEquals("", new DirectRsync("ssh", "/usr/bin/rsync").remotePrivilege());
    }

    @Test
    void aFailedCopySaysWhatRsyncSaidNotJustSeePreviousErrors() {
        var r = new io.onehaul.host.CommandResult(23, "", """
                rsync: [receiver] write failed on "/var/lib/one/datastores/100/7/disk.0": No space left on device (28)
                rsync: [sender] write error: Broken pipe (32)
                rsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1338) [sender=3.2.7]
                """, java.time.Duration.ZERO);
        String why = DirectRsync.whyRsyncFailed(r);
        assertTrue(why.startsWith("rsync: [receiver] write failed on \"/var/lib/one/datastores/100/7/disk.0\": No space left"),
                why);
        assertTrue(why.endsWith("(code 23) at main.c(1338) [sender=3.2.7]"), why);
        var ssh = new io.onehaul.host.CommandResult(255, "", "ssh: connect to host h3 port 22: No route to host\n"
                + "rsync: connection unexpectedly closed (0 bytes received so far) [sender]\n"
                + "rsync error: unexplained error (code 255) at io.c(232) [sender=3.2.7]\n", java.time.Duration.ZERO);
        assertTrue(DirectRsync.whyRsyncFailed(ssh).startsWith("ssh: connect to host h3 port 22: No route to host; rsync:"),
                DirectRsync.whyRsyncFailed(ssh));
    }

    /** A source host whose rsync answers from a script, one result per run. */
    static final class ScriptedHost implements io.onehaul.host.HostShell {
        final java.util.Deque<io.onehaul.host.CommandResult> answers = new java.util.ArrayDeque<>();
        final java.util.List<String> commands = new java.util.ArrayList<>();

        ScriptedHost answer(int exit, String stderr) {
            answers.add(new io.onehaul.host.CommandResult(exit, exit == 0 ? "Total bytes sent: 1,234\nTotal file size: 5,678\n"
                    : "", stderr, java.time.Duration.ZERO));
            return this;
        }

        @Override public String host() { return "h1"; }

        @Override public io.onehaul.host.CommandResult run(String command, byte[] stdin, java.time.Duration timeout) {
            commands.add(command);
            return answers.remove();
        }

        @Override public void close() {}
    }

    private static FileTransfer.Options copyOptions(int attempts) {
        return new FileTransfer.Options(true, List.of(), true, java.time.Duration.ofSeconds(60)).withAttempts(attempts);
    }

    @Test
    void aCopyWhoseConnectionBrokeIsResumedWithGrowingPauses() {
        ScriptedHost h1 = new ScriptedHost()
                .answer(12, "rsync: connection unexpectedly closed (1048576 bytes received so far) [sender]")
                .answer(255, "ssh: connect to host h2 port 22: Connection timed out")
                .answer(0, "");
        List<java.time.Duration> waited = new java.util.ArrayList<>();
        var result = new DirectRsync("ssh", "rsync").sleepingWith(waited::add)
                .copy(h1, "/ds/7/", "h2", "/ds/7", copyOptions(3));
        assertEquals(1234, result.bytesSent());
        assertEquals(3, h1.commands.size());
        assertEquals(List.of(java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(4)), waited);
    }

    @Test
    void aFullDiskOrARefusedKeyIsNotRetriedAndTheLastAttemptsReasonIsShown() {
        ScriptedHost full = new ScriptedHost().answer(23, "rsync: [receiver] write failed on \"/ds/7/disk.0\": "
                + "No space left on device (28)\nrsync error: some files/attrs were not transferred (code 23)");
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.onehaul.host.HostException.class,
                () -> new DirectRsync("ssh", "rsync").sleepingWith(d -> { }).copy(full, "/ds/7/", "h2", "/ds/7", copyOptions(3)));
        assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
        assertEquals(1, full.commands.size());

        ScriptedHost refused = new ScriptedHost().answer(255, "Host key verification failed.");
        org.junit.jupiter.api.Assertions.assertThrows(io.onehaul.host.HostException.class,
                () -> new DirectRsync("ssh", "rsync").sleepingWith(d -> { }).copy(refused, "/ds/7/", "h2", "/ds/7",
                        copyOptions(3)));
        assertEquals(1, refused.commands.size());

        ScriptedHost down = new ScriptedHost().answer(255, "ssh: connect to host h2 port 22: No route to host")
                .answer(255, "ssh: connect to host h2 port 22: No route to host");
        var gone = org.junit.jupiter.api.Assertions.assertThrows(io.onehaul.host.HostException.class,
                () -> new DirectRsync("ssh", "rsync").sleepingWith(d -> { }).copy(down, "/ds/7/", "h2", "/ds/7",
                        copyOptions(2)));
        assertEquals(2, down.commands.size(), "bounded: as many attempts as allowed, no more");
        assertTrue(gone.getMessage().contains("No route to host"), gone.getMessage());
    }

    @Test
    void filesARunningContainerDeletedWhileTheyWereListedAreNotAFailedCopy() {
        ScriptedHost h1 = new ScriptedHost();
        h1.answers.add(new io.onehaul.host.CommandResult(24, "Total bytes sent: 1,234\nTotal file size: 5,678\n",
                "file has vanished: \"/ds/7/rootfs/tmp/x\"\nrsync warning: some files vanished before they could be"
                        + " transferred (code 24) at main.c(1394) [sender=3.4.1]\n", java.time.Duration.ZERO));
        var result = new DirectRsync("ssh", "rsync").sleepingWith(d -> { }).copy(h1, "/ds/7/", "h2", "/ds/7",
                copyOptions(3));
        assertEquals(1234, result.bytesSent());
        assertEquals(1, h1.commands.size(), "nothing to retry: what is gone is gone");
    }
}
