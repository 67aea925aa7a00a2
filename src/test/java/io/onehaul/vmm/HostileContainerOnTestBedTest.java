package io.onehaul.vmm;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.host.Shell;
import io.onehaul.testsupport.CounterContainer.Tick;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.OnedMigrationHarness.Outcome;
import io.onehaul.testsupport.Proc;
import java.util.LinkedHashMap;
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

    @Test
    void root_in_the_container_cannot_reach_the_host_and_the_container_still_migrates() throws Exception {
        TestVm vm = deployOnH1(counterVmOnH1(NEXT_VMID.getAndIncrement(), false));
        String corePattern = tb.execOk("h1", "cat /proc/sys/kernel/core_pattern").stdout();
        Map<String, String> attempts = new LinkedHashMap<>();
        attempts.put("remount its read-only context read-write", "mount -o remount,rw /context");
        attempts.put("plant a symlink where the host writes the context", "ln -sf " + MARK + " /context/context.sh");
        attempts.put("write the machine's core_pattern", "echo '|/bin/touch " + MARK + "' > /proc/sys/kernel/core_pattern");
        attempts.put("write it through a procfs of its own", "mkdir -p /p && mount -t proc proc /p && "
                + "echo '|/bin/touch " + MARK + "' > /p/sys/kernel/core_pattern");
        attempts.put("set a cgroup release agent", "for f in /sys/fs/cgroup/*/release_agent /sys/fs/cgroup/release_agent; "
                + "do [ -e \"$f\" ] && echo /bin/true > \"$f\" && exit 0; done; exit 1");
        attempts.put("make a device node for a host disk and read it", "mknod /hostdisk b 7 0 && head -c 1 /hostdisk");
        attempts.put("set the host's clock", "date -s 2001-01-01 >/dev/null; [ \"$(date +%Y)\" = 2001 ]");
        attempts.put("write to the host's sysfs", "echo 1 > /sys/kernel/mm/ksm/run");
        for (Map.Entry<String, String> a : attempts.entrySet()) {
            Proc.Result r = tb.exec("h1", "lxc-attach -n " + vm.deployId() + " -- /bin/sh -c " + Shell.quote(a.getValue()));
            String said = (r.stderr() + r.stdout()).strip().replaceAll("\\s+", " ");
            System.out.println("HOSTILE " + a.getKey() + ": exit " + r.exit() + ": " + said);
            assertNotEquals(0, r.exit(), a.getKey() + " must fail: " + said);
        }
        assertEquals(corePattern, tb.execOk("h1", "cat /proc/sys/kernel/core_pattern").stdout(), "the host's core_pattern");
        for (String h : tb.hosts()) {
            assertEquals(1, tb.exec(h, "test -e " + MARK).exit(), "no mark on " + h);
        }
        assertEquals(1, Proc.sh("test -e " + MARK, 5).exit(), "no mark on the machine");

        Tick before = advancing(tb, "h1", vm);
        TestVm there = vm.onHost("h2", 100, 3);
        Outcome out = migrate.liveMigrate(vm, there);
        assertTrue(out.success(), out.allStderr());
        assertEquals(before.bootId(), advancing(tb, "h2", there).bootId(), "it moved, its processes went on");
        assertEquals("0 600100001 65536", tb.execOk("h2", "cat /proc/$(lxc-info -n " + vm.deployId()
                + " -p -H)/uid_map").stdout().strip().replaceAll("\\s+", " "), "still unprivileged on h2");
    }
}
