package io.onehaul.vmm;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.host.Shell;
import io.onehaul.testsupport.CounterContainer.Tick;
import io.onehaul.testsupport.DriverHarness;
import io.onehaul.testsupport.OnedColdMigration;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.OnedMigrationHarness;
import io.onehaul.testsupport.OnedMigrationHarness.Outcome;
import io.onehaul.testsupport.Proc;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Root in a container does what a hostile tenant would to reach the host: every attempt fails, the host is
 * unchanged (its machine-wide settings, no marker file), and the container still migrates. The container
 * is unprivileged, as every VM is unless the operator allows otherwise.
 */
@Tag("testbed")
class HostileContainerOnTestBedTest extends ContainersOnTestBed {
    private static final AtomicInteger NEXT_VMID = new AtomicInteger(1500);
    private static final String MARK = "/onehaul-hostile-mark";
    /** A pids limit small enough that a fork bomb reaches it in a moment, big enough for lxc-attach after. */
    private static final int PIDS_MAX = 120;
    /** The fork bomb (bench/src/forker.c): forks until refused, then frees this many pids for the init. */
    private static final int BOMB_SLACK = 10;
    /** Its command line: no host process has it, so the host can end exactly these. */
    private static final String BOMB = "/forker " + BOMB_SLACK + " " + (3 * PIDS_MAX);
    private static final String HOLDER = "sleep 8765432";

    /** The escapes a tenant tries from inside; each must fail. */
    private static Map<String, String> escapes() {
        Map<String, String> attempts = new LinkedHashMap<>();
        attempts.put("remount its read-only context read-write", "mount -o remount,rw /context");
        attempts.put("plant a symlink where the host writes the context", "ln -sf " + MARK + " /context/context.sh");
        attempts.put("write the machine's core_pattern", "echo '|/bin/touch " + MARK + "' > /proc/sys/kernel/core_pattern");
        attempts.put("write it through a procfs of its own", "mkdir -p /p && mount -t proc proc /p && "
                + "echo '|/bin/touch " + MARK + "' > /p/sys/kernel/core_pattern");
        attempts.put("set a cgroup release agent", "for f in /sys/fs/cgroup/*/release_agent /sys/fs/cgroup/release_agent; "
                + "do [ -e \"$f\" ] && echo /bin/true > \"$f\" && exit 0; done; exit 1");
        attempts.put("mount a cgroup hierarchy of its own for a release agent", "mkdir -p /cg && mount -t cgroup "
                + "-o rdma cgroup /cg && echo '/bin/touch " + MARK + "' > /cg/release_agent");
        attempts.put("make a device node for a host disk and read it", "mknod /hostdisk b 7 0 && head -c 1 /hostdisk");
        attempts.put("set the host's clock", "date -s 2001-01-01 >/dev/null; [ \"$(date +%Y)\" = 2001 ]");
        attempts.put("write to the host's sysfs", "echo 1 > /sys/kernel/mm/ksm/run");
        attempts.put("raise its own pids limit", "for f in /sys/fs/cgroup/pids.max /sys/fs/cgroup/pids/pids.max; do "
                + "[ -e \"$f\" ] && echo max > \"$f\" && exit 0; done; exit 1");
        return attempts;
    }

    /** Every escape fails in the container where it now runs, and no host changed. */
    private void escapesFail(TestVm vm, String where, String corePattern) {
        for (Map.Entry<String, String> a : escapes().entrySet()) {
            Proc.Result r = tb.exec(vm.host(), "lxc-attach -n " + vm.deployId() + " -- /bin/sh -c " + Shell.quote(a.getValue()));
            String said = (r.stderr() + r.stdout()).strip().replaceAll("\\s+", " ");
            System.out.println("HOSTILE (" + where + ") " + a.getKey() + ": exit " + r.exit() + ": " + said);
            assertNotEquals(0, r.exit(), where + ": " + a.getKey() + " must fail: " + said);
        }
        hostsClean(where, corePattern);
    }

    private void hostsClean(String where, String corePattern) {
        for (String h : tb.hosts()) {
            assertEquals(corePattern, tb.execOk(h, "cat /proc/sys/kernel/core_pattern").stdout(), where + ": core_pattern on " + h);
            assertEquals(1, tb.exec(h, "test -e " + MARK).exit(), where + ": no mark on " + h);
        }
        assertEquals(1, Proc.sh("test -e " + MARK, 5).exit(), where + ": no mark on the machine");
    }

    /** Still unprivileged, still under its pids limit, still counting: the move kept it in. */
    private void stillConfined(TestVm vm, String where) throws Exception {
        String name = vm.deployId();
        assertEquals("0 600100001 65536", tb.execOk(vm.host(), "cat /proc/$(lxc-info -n " + name + " -p -H)/uid_map")
                .stdout().strip().replaceAll("\\s+", " "), where + ": unprivileged");
        assertEquals(Integer.toString(PIDS_MAX), tb.execOk(vm.host(), "lxc-cgroup -n " + name + " pids.max").stdout().strip(),
                where + ": its pids limit");
        advancing(tb, vm.host(), vm);
    }

    @Test
    void root_in_the_container_cannot_reach_the_host_and_the_container_still_migrates() throws Exception {
        TestVm vm = deployOnH1(counterVmOnH1(NEXT_VMID.getAndIncrement(), false));
        String corePattern = tb.execOk("h1", "cat /proc/sys/kernel/core_pattern").stdout();
        escapesFail(vm, "deployed", corePattern);

        Tick before = advancing(tb, "h1", vm);
        TestVm there = vm.onHost("h2", 100, 3);
        Outcome out = migrate.liveMigrate(vm, there);
        assertTrue(out.success(), out.allStderr());
        assertEquals(before.bootId(), advancing(tb, "h2", there).bootId(), "it moved, its processes went on");
        assertEquals("0 600100001 65536", tb.execOk("h2", "cat /proc/$(lxc-info -n " + vm.deployId()
                + " -p -H)/uid_map").stdout().strip().replaceAll("\\s+", " "), "still unprivileged on h2");
    }

    /**
     * A tenant that fills its disk, forks until its limit and holds the file the host renames over goes through
     * save/restore and every live strategy; after each, every escape still fails and nothing reached a host.
     */
    @Test
    void a_container_at_every_limit_moves_every_way_and_never_gets_out() throws Exception {
        oned = DriverHarness.forTestBed(tb, work, Map.of("container.pids_max", Integer.toString(PIDS_MAX)));
        migrate = new OnedMigrationHarness(oned);
        int id = NEXT_VMID.getAndIncrement();
        TestVm vm = deployOnH1(counterVmOnH1(id, true));
        String name = vm.deployId();
        String corePattern = tb.execOk("h1", "cat /proc/sys/kernel/core_pattern").stdout();
        String bootId = advancing(tb, "h1", vm).bootId();
        stillConfined(vm, "deployed");

        tb.execOk("h1", "cp " + buildWorkload("forker.c") + " " + vm.sysdir() + "/mapper/disk.0/forker");
        // its disk full: the image is the limit, not the host's datastore
        long hostFreeBefore = hostFreeKib("h1", vm);
        // (1 MiB kept aside and freed once full, so that its init can go on writing /tick)
        Proc.Result fill = tb.exec("h1", "lxc-attach -n " + name + " -- /bin/sh -c "
                + Shell.quote("dd if=/dev/zero of=/room bs=64k count=16 2>/dev/null; dd if=/dev/zero of=/fill bs=64k 2>&1; "
                + "rm -f /room; sync"));
        System.out.println("HOSTILE fill its disk: exit " + fill.exit() + ": " + fill.stdout().strip().replaceAll("\\s+", " "));
        assertTrue(fill.stdout().contains("No space left"), "the disk filled up: " + fill.stdout());
        assertTrue(hostFreeBefore - hostFreeKib("h1", vm) < 128 * 1024, "the host's datastore did not fill with it");
        // the context file held open, under the rename each define does over it
        tb.execOk("h1", "lxc-attach -n " + name + " -- /bin/sh -c "
                + Shell.quote("setsid sh -c 'exec 3</context/context.sh; exec /bin/" + HOLDER + "' </dev/null >/dev/null 2>&1 &"));
        // forks until its limit
        tb.execOk("h1", "lxc-attach -n " + name + " -- /bin/sh -c " + Shell.quote("setsid " + BOMB + " </dev/null >/dev/null 2>&1 &"));
        String forked = tb.execOk("h1", "f=" + vm.sysdir() + "/mapper/disk.0/forker.out; for i in $(seq 1 150); do "
                + "[ -s \"$f\" ] && cat \"$f\" && exit 0; sleep 0.2; done; exit 1").stdout().strip();
        System.out.println("HOSTILE fork until its limit: " + forked + "; pids.current "
                + tb.execOk("h1", "lxc-cgroup -n " + name + " pids.current").stdout().strip() + " of " + PIDS_MAX);
        String[] f = forked.split(" ");
        assertEquals("11", f[3], "the kernel refused a fork with EAGAIN: " + forked);
        assertTrue(Integer.parseInt(f[1]) < PIDS_MAX, "the limit held: " + forked);
        int bombs = Integer.parseInt(f[1]) - BOMB_SLACK + 1;
        assertEquals(Integer.toString(bombs), countOnHost("h1", BOMB));
        assertEquals(0, tb.exec("h1", "true").exit(), "the host still forks");

        // at its limit, it moves: CRIU restores every task into the limited cgroup
        TestVm onH2 = vm.onHost("h2", 100, 3);
        OnedMessages.userAttribute(id, "ONEHAUL_MIGRATION_STRATEGIES", "stop-and-copy");
        Outcome full = migrate.liveMigrate(vm, onH2);
        assertTrue(full.success(), full.allStderr());
        assertEquals(bootId, advancing(tb, "h2", onH2).bootId(), "it moved at its limit, its processes went on");
        assertEquals(Integer.toString(bombs), countOnHost("h2", BOMB), "every forked task came along");
        stillConfined(onH2, "moved at its limit");
        hostsClean("moved at its limit", corePattern);
        // the operator ends the bomb from the host; the tenant keeps its full disk and its held file
        tb.execOk("h2", "pkill -f " + Shell.quote("^" + BOMB + "$") + "; for i in $(seq 1 50); do pgrep -f "
                + Shell.quote("^" + BOMB + "$") + " >/dev/null || exit 0; sleep 0.2; done; exit 1");
        escapesFail(onH2, "stop-and-copy", corePattern);

        TestVm now = onH2;
        OnedColdMigration cold = new OnedColdMigration(oned, work);
        cold.saveMoveRestore(now, "h1");
        now = vm.onHost("h1", 100, 3);
        assertEquals(bootId, advancing(tb, "h1", now).bootId(), "saved and restored, its processes went on");
        stillConfined(now, "save/restore");
        escapesFail(now, "save/restore", corePattern);

        for (String strategy : List.of("streamed", "post-copy")) {
            OnedMessages.userAttribute(id, "ONEHAUL_MIGRATION_STRATEGIES", strategy);
            String to = now.host().equals("h1") ? "h2" : "h1";
            TestVm there = vm.onHost(to, 100, 3);
            Outcome out = migrate.liveMigrate(now, there);
            assertTrue(out.success(), strategy + ": " + out.allStderr());
            assertTrue(out.allStderr().contains("migration success: " + strategy), out.allStderr());
            now = there;
            assertEquals(bootId, advancing(tb, to, now).bootId(), strategy + ": its processes went on");
            stillConfined(now, strategy);
            escapesFail(now, strategy, corePattern);
        }
        assertEquals("1", countOnHost(now.host(), "/bin/" + HOLDER), "its held file came along every way");
        String held = tb.execOk(now.host(), "p=$(pgrep -f " + Shell.quote("^/bin/" + HOLDER + "$") + "); "
                + "readlink /proc/$p/fd/3; head -c 20 /proc/$p/fd/3").stdout();
        // an unlinked file in its context folder (CRIU names what it restored so), with the context it read
        assertTrue(held.startsWith("/context/context.sh") && held.contains(" (deleted)\n# Context variables"),
                "it holds the file as it was, which the host renamed over: " + held);
        assertEquals(0, tb.exec(now.host(), "test -s " + now.sysdir() + "/mapper/disk.0/fill").exit(), "and its full disk");
    }

    private String countOnHost(String host, String commandLine) {
        return tb.exec(host, "pgrep -fc " + Shell.quote("^" + commandLine + "$")).stdout().strip();
    }

    private long hostFreeKib(String host, TestVm vm) {
        return Long.parseLong(tb.execOk(host, "df -Pk " + vm.sysdir() + " | awk 'NR == 2 { print $4 }'").stdout().strip());
    }
}
