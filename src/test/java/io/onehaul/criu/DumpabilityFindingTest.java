package io.onehaul.criu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What the pre-flight scan's lines mean (lines as the scan printed them for a Debian 12 systemd container). */
class DumpabilityFindingTest {
    /** The scan of a stock Debian 12 systemd container (no CRIU profile), shortened. */
    static final List<String> STOCK_SYSTEMD = List.of(
            "fd\t1\tsystemd\t31\tanon_inode:bpf-prog",
            "fd\t1\tsystemd\t32\tanon_inode:bpf-prog",
            "fd\t1\tsystemd\t12\tanon_inode:[eventpoll]",
            "ns\t40\tsystemd-logind\tuts\tuts:[4026532648]",
            "ns\t40\tsystemd-logind\tmnt\tmnt:[4026532647]",
            "ns\t51\tsomething\tnet\tnet:[4026532700]",
            "mnt\t1\tsystemd\text4\t/",
            "mnt\t1\tsystemd\ttmpfs\t/run",
            "mnt\t1\tsystemd\tramfs\t/run/credentials/systemd-sysctl.service",
            "mnt\t40\tsystemd-logind\tramfs\t/run/credentials/systemd-sysctl.service");

    @Test
    void a_stock_systemd_container_names_each_process_and_resource_criu_refuses() {
        List<DumpabilityFinding> f = DumpabilityFinding.parse(STOCK_SYSTEMD);
        assertEquals(List.of(
                "process 1 (systemd) holds a BPF program (fd 31, anon_inode:bpf-prog)",
                "process 1 (systemd) holds a BPF program (fd 32, anon_inode:bpf-prog)",
                "process 40 (systemd-logind) runs in a uts namespace of its own (uts:[4026532648]), e.g. systemd's ProtectHostname=yes",
                "process 40 (systemd-logind) runs in a mnt namespace of its own (mnt:[4026532647]), e.g. systemd's PrivateTmp=/ProtectSystem=",
                "process 1 (systemd) sees a ramfs mount at /run/credentials/systemd-sysctl.service (systemd credentials)"),
                f.stream().map(DumpabilityFinding::describe).toList(),
                "epoll, ext4, tmpfs and a nested net namespace are fine; a mount seen twice is one finding");
    }

    @Test
    void the_refusal_names_the_container_and_every_finding() {
        String msg = DumpabilityFinding.refusal("one-5", DumpabilityFinding.parse(List.of("fd\t1\tsystemd\t23\tanon_inode:bpf-prog")));
        assertEquals("CRIU cannot checkpoint one-5: process 1 (systemd) holds a BPF program (fd 23, anon_inode:bpf-prog)", msg);
    }

    @Test
    void a_container_with_the_criu_profile_or_one_that_is_not_running_has_no_findings() {
        assertTrue(DumpabilityFinding.parse(List.of("mnt\t1\tsystemd\ttmpfs\t/dev", "mnt\t1\tsystemd\tmqueue\t/dev/mqueue",
                "fd\t33\tonehaul-tick\t3\t/tick.tmp")).isEmpty());
        assertTrue(DumpabilityFinding.parse(List.of("not running")).isEmpty());
    }

    @Test
    void lines_of_another_form_are_ignored_not_misread() {
        assertTrue(DumpabilityFinding.parse(List.of("", "fd\tx\tsystemd\t3\tanon_inode:bpf-prog", "fd\t1\tsystemd\t3",
                "ns\t1\ta\tuts\tuts:[1]\textra")).isEmpty());
    }

    @Test
    void io_uring_and_bpf_links_are_findings_too() {
        List<DumpabilityFinding> f = DumpabilityFinding.parse(List.of("fd\t7\tapp\t5\tanon_inode:[io_uring]",
                "fd\t7\tapp\t6\tanon_inode:bpf_link"));
        assertEquals(List.of("process 7 (app) holds an io_uring (fd 5, anon_inode:[io_uring])",
                "process 7 (app) holds a BPF link (fd 6, anon_inode:bpf_link)"), f.stream().map(DumpabilityFinding::describe).toList());
    }

    @Test
    void the_scan_command_quotes_what_it_is_given() {
        String cmd = DumpabilityScan.command("/var/lib/lxc", "one-5; rm -rf /");
        assertTrue(cmd.endsWith(" sh /var/lib/lxc 'one-5; rm -rf /'"), cmd);
    }
}
