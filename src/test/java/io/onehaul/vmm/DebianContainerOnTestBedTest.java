package io.onehaul.vmm;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static io.onehaul.testsupport.CounterContainer.lxcState;
import static io.onehaul.testsupport.DebianContainer.acked;
import static io.onehaul.testsupport.DebianContainer.assertDatabaseIntact;
import static io.onehaul.testsupport.DebianContainer.awaitServices;
import static io.onehaul.testsupport.DebianContainer.page;
import static io.onehaul.testsupport.DebianContainer.ssh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.CounterContainer.Tick;
import io.onehaul.testsupport.DebianContainer;
import io.onehaul.testsupport.DebianContainer.Flavour;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.OnedMigrationHarness.Outcome;
import io.onehaul.testsupport.Proc;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A real Debian 12 container (testbed/images/debian12.sh: nginx, sshd, PostgreSQL 15 with a writer) deployed by
 * lxc_live on h1 and live-migrated to h2 in oned's order: its users see the same services on h2, every row the
 * database acknowledged is there once, and its processes went on. The systemd flavour carries the image's CRIU
 * profile; without it, pre-flight names what CRIU would refuse and the container stays where it was.
 */
@Tag("testbed")
class DebianContainerOnTestBedTest extends ContainersOnTestBed {
    private static final AtomicInteger NEXT_VMID = new AtomicInteger(600); // 600-619 are this spec's


    @Test
    void the_services_flavour_moves_to_h2_with_its_services_and_every_acknowledged_row() throws Exception {
        movesWithItsServices(Flavour.SERVICES);
    }

    @Test
    void the_systemd_flavour_with_the_criu_profile_moves_the_same_way() throws Exception {
        movesWithItsServices(Flavour.SYSTEMD);
    }

    @Test
    void without_the_criu_profile_pre_flight_names_what_criu_refuses_and_nothing_is_frozen() throws Exception {
        TestVm vm = stockSystemdOnH1();
        Tick before = advancing(tb, "h1", vm);

        Outcome out = migrate.liveMigrate(vm, vm.onHost("h2", 100, 3));

        assertTrue(out.reply().startsWith("MIGRATE FAILURE " + vm.id()), out.reply() + "\n" + out.allStderr());
        String why = out.reply() + "\n" + out.allStderr();
        assertTrue(why.contains("pre-flight: CRIU cannot checkpoint " + vm.deployId() + ": "), why);
        // (an unprivileged systemd attaches no cgroup BPF programs: that refusal is a privileged container's)
        assertTrue(why.contains("(systemd-logind) runs in a uts namespace of its own"), why);
        assertTrue(why.contains("sees a ramfs mount at /run/credentials/"), why);
        assertTrue(why.contains("a cold move instead is not allowed"), why);
        assertFalse(why.contains("freezing " + vm.deployId()), "refused before any freeze: " + why);
        assertEquals("RUNNING", lxcState(tb, "h1", vm.deployId()));
        assertEquals(before.bootId(), advancing(tb, "h1", vm).bootId(), "the same processes go on");
        assertEquals("UNDEFINED", lxcState(tb, "h2", vm.deployId()));
        assertEquals(1, tb.exec("h2", "test -e " + vm.sysdir()).exit(), "nothing copied to h2");
    }

    @Test
    void where_the_operator_allows_it_what_pre_flight_refuses_moves_cold_with_its_data() throws Exception {
        TestVm vm = stockSystemdOnH1();
        OnedMessages.userAttribute(vm.id(), "ONEHAUL_COLD_FALLBACK", "yes");
        Tick before = advancing(tb, "h1", vm);

        Outcome out = migrate.liveMigrate(vm, vm.onHost("h2", 100, 3));
        int ackedOnH1 = acked(tb, "h2", vm.onHost("h2", 100, 3)).size(); // all the source wrote, read on the moved disk

        assertEquals("MIGRATE SUCCESS " + vm.id() + " -", out.reply(), out.allStderr());
        assertTrue(out.allStderr().contains("COLD MOVE of " + vm.deployId() + ": CRIU cannot dump it (pre-flight: CRIU cannot"
                + " checkpoint " + vm.deployId()), out.allStderr());
        TestVm moved = vm.onHost("h2", 100, 3);
        assertEquals("RUNNING", lxcState(tb, "h2", vm.deployId()));
        assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()), "exactly one copy runs");
        awaitServices(tb, "h2", moved);
        assertFalse(before.bootId().equals(advancing(tb, "h2", moved).bootId()), "a cold move restarts the processes");
        servicesAnswer(moved);
        assertDatabaseIntact(tb, "h2", moved, ackedOnH1);
    }

    /** The systemd image made stock Debian again, deployed on h1: CRIU's refusals without the profile. */
    private TestVm stockSystemdOnH1() throws Exception {
        TestVm vm = placed(Flavour.SYSTEMD);
        // no drop-ins (ProtectHostname, credentials, IP firewalling, mount sandboxing) and /sbin/init the plain
        // systemd (hybrid cgroups: its IP firewalling is cgroup BPF on the unified hierarchy)
        tb.execOk("h1", "m=$(mktemp -d) && mount -o loop " + vm.sysdir() + "/disk.0 $m && rm -rf $m/etc/systemd/system/service.d"
                + " $m/etc/systemd/system/modprobe@.service && ln -sfn /lib/systemd/systemd $m/sbin/init && umount $m && rmdir $m");
        return deploy(vm);
    }

    private void movesWithItsServices(Flavour flavour) throws Exception {
        TestVm vm = deploy(placed(flavour));
        servicesAnswer(vm);
        Tick before = advancing(tb, "h1", vm);
        int ackedBefore = acked(tb, "h1", vm).size();

        Outcome out = migrate.liveMigrate(vm, vm.onHost("h2", 100, 3));

        assertEquals("MIGRATE SUCCESS " + vm.id() + " -", out.reply(), out.allStderr());
        out.allStderr().lines().filter(l -> l.contains("migration success")).forEach(l -> System.out.println(flavour + ": " + l));
        TestVm moved = vm.onHost("h2", 100, 3);
        assertEquals("RUNNING", lxcState(tb, "h2", vm.deployId()));
        assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()), "exactly one copy runs");
        Tick after = advancing(tb, "h2", moved);
        assertEquals(before.bootId(), after.bootId(), "same processes: the heartbeat's boot id did not change");
        awaitServices(tb, "h2", moved);
        servicesAnswer(moved);
        assertDatabaseIntact(tb, "h2", moved, ackedBefore);
        if (flavour == Flavour.SYSTEMD) {
            assertEquals("running", ssh(tb, moved, "systemctl is-system-running").stdout().strip());
        }
    }

    private TestVm placed(Flavour flavour) {
        TestVm vm = DebianContainer.vm(tb, NEXT_VMID.getAndIncrement(), flavour);
        made.add(vm.deployed("one-" + vm.id()));
        DebianContainer.placeRootDisk(tb, vm, flavour);
        return vm;
    }

    /** Deploys as oned does and waits for nginx and the writer (a Debian boot takes seconds, not ticks). */
    private TestVm deploy(TestVm vm) throws Exception {
        Proc.Result r = oned.vmm("deploy", List.of("/var/lib/one/vms/" + vm.id() + "/deployment.0", "h1"), vm.id(), "h1",
                OnedMessages.vm(vm));
        assertEquals(0, r.exit(), r.stderr());
        TestVm running = vm.deployed("one-" + vm.id()).onHost("h1", 100, 3);
        awaitServices(tb, "h1", running);
        return running;
    }

    /** nginx serves the page to the front-end, sshd lets root in with the front-end's key, the writer commits. */
    private void servicesAnswer(TestVm vm) throws Exception {
        String page = page(vm.ip());
        assertTrue(page.startsWith("200 ") && page.contains(DebianContainer.PAGE_TEXT), page);
        Proc.Result login = ssh(tb, vm, "cat /etc/onehaul-image-flavour");
        assertEquals(0, login.exit(), login.stderr());
        DebianContainer.awaitWriterProgress(tb, vm.host(), vm, 5, WRITER_DEADLINE);
    }

    /** How long the writer may take to commit a few rows: a deadline for liveness, not a rate to meet. */
    private static final Duration WRITER_DEADLINE = Duration.ofSeconds(30);
}
