package io.onehaul.criu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which line of a CRIU log becomes the VM's error: the cause, not the first or the last error line. */
class CriuLogTest {

    @Test
    void the_harmless_rlimit_line_does_not_hide_the_cause() {
        // the shape of the dump.log found under a real oned (a process holding the host's /dev/null)
        List<String> log = List.of(
                "(00.000412) Error (criu/util.c:1533): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted",
                "(00.123456) Error (criu/files-reg.c:1790): Can't lookup mount=23 for fd=10 path=/dev/null",
                "(00.123500) Error (criu/cr-dump.c:1414): Dump files (pid: 4242) failed with -1",
                "(00.130000) Error (criu/cr-dump.c:2050): Dumping FAILED.");
        assertEquals(Optional.of("Error (criu/files-reg.c:1790): Can't lookup mount=23 for fd=10 path=/dev/null"),
                CriuLog.fatalLine(log));
    }

    @Test
    void systemds_bpf_programs_are_named_as_the_cause() {
        List<String> log = List.of(
                "(00.000300) Error (criu/util.c:1533): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted",
                "(00.210000) Error (criu/files-ext.c:94): Can't dump file 23 of that type [600] (anon anon_inode:bpf-prog)",
                "(00.220000) Error (criu/cr-dump.c:2050): Dumping FAILED.");
        assertEquals(Optional.of("Error (criu/files-ext.c:94): Can't dump file 23 of that type [600] (anon anon_inode:bpf-prog)"),
                CriuLog.fatalLine(log));
    }

    @Test
    void when_only_consequences_are_logged_the_first_of_them_is_the_reason() {
        List<String> log = List.of(
                "(00.000300) Error (criu/util.c:1533): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted",
                "(07.000000) Error (criu/action-scripts.c:136): One of more action scripts failed",
                "(07.000100) Error (criu/cr-dump.c:2050): Dumping FAILED.");
        assertEquals(Optional.of("Error (criu/action-scripts.c:136): One of more action scripts failed"),
                CriuLog.fatalLine(log));
    }

    @Test
    void a_restore_log_names_its_cause_too() {
        List<String> log = List.of(
                "(00.400000) 1: Error (criu/mount-v2.c:800): mnt-v2: Failed to move_mount from 5 to 6: Invalid argument",
                "(00.400100) Error (criu/cr-restore.c:2500): Restoring FAILED.");
        assertEquals(Optional.of("Error (criu/mount-v2.c:800): mnt-v2: Failed to move_mount from 5 to 6: Invalid argument"),
                CriuLog.fatalLine(log));
    }

    @Test
    void a_log_without_errors_or_with_only_harmless_ones_has_no_fatal_line() {
        assertEquals(Optional.empty(), CriuLog.fatalLine(List.of("(00.1) Dumping finished successfully")));
        assertEquals(Optional.empty(), CriuLog.fatalLine(List.of(
                "(00.000300) Error (criu/util.c:1533): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted")));
    }
}
