package io.onehaul.vmm;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static io.onehaul.testsupport.CounterContainer.lxcState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.CounterContainer.Tick;
import io.onehaul.testsupport.DriverHarness;
import io.onehaul.testsupport.GuestCounter;
import io.onehaul.testsupport.GuestTestBed;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.OnedMigrationHarness;
import io.onehaul.testsupport.OnedMigrationHarness.Outcome;
import io.onehaul.testsupport.Proc;
import io.onehaul.testsupport.TestBed;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live migration by the driver between hosts inside the stock-kernel guest (testbed/guest.sh: g1, g2 on
 * Debian 13's kernel and its LXC 6 and CRIU 4.1, cgroup v2 only), the hosts that will run pre-copy: first
 * proof that the driver moves a container there as it does between h1 and h2.
 */
@Tag("testbed")
@Tag("guest")
class GuestLiveMigrationTest {
    @TempDir Path work;
    TestVm made;
    TestBed tb;

    @AfterEach
    void scrub() {
        GuestCounter.scrub(tb, made);
    }

    /** VM ids of this spec's own (1200-1299), apart from every other spec's: see GuestPreCopyTest. */
    private static final java.util.concurrent.atomic.AtomicInteger NEXT_VMID =
            new java.util.concurrent.atomic.AtomicInteger(1200);

    @Test
    void a_counter_container_moves_from_g1_to_g2_and_its_processes_go_on() throws Exception {
        // Streamed, named: this spec is about the hosts; auto's choice there is GuestPreCopyTest's.
        Outcome out = movesG1ToG2("streamed");
        assertTrue(out.allStderr().contains("migration success: streamed g1 -> g2"), out.allStderr());
        // the driver's own pre-flight sees what the front-end's hosts lack: soft-dirty tracking
        assertTrue(out.allStderr().contains("pre-copy possible"), out.allStderr());
    }

    @Test
    void post_copy_moves_it_with_its_pages_pulled_by_g2_after_the_restore() throws Exception {
        Outcome out = movesG1ToG2("post-copy");
        assertTrue(out.allStderr().contains("migration success: post-copy g1 -> g2"), out.allStderr());
        assertTrue(out.allStderr().contains("post-copy: every page of one-") && out.allStderr().contains(" reached g2"),
                "every page arrived: " + out.allStderr());
    }

    /** Deploys a counter container on g1, live-migrates it to g2 with {@code strategy}: same processes there. */
    private Outcome movesG1ToG2(String strategy) throws Exception {
        tb = GuestTestBed.get();
        assertEquals("yes", tb.value("TB_GUEST_SOFT_DIRTY"), "the guest's kernel tracks dirty pages (pre-dump can run)");
        DriverHarness oned = DriverHarness.forTestBed(tb, work);
        OnedMigrationHarness migrate = new OnedMigrationHarness(oned);

        int id = NEXT_VMID.getAndIncrement();
        TestVm vm = GuestCounter.vm(tb, id);
        made = vm.deployed("one-" + id);
        OnedMessages.userAttribute(id, "ONEHAUL_MIGRATION_STRATEGIES", strategy);
        TestVm running = GuestCounter.deployOnG1(tb, oned, vm);
        Tick before = advancing(tb, "g1", running);
        assertEquals(LXC_DEFAULT_PROFILE, confinement(running, "g1"), "AppArmor confines it on g1, as LXC does by default");

        Outcome out = migrate.liveMigrate(running, running.onHost("g2", 100, 3));

        assertEquals("MIGRATE SUCCESS " + id + " -", out.reply(), out.allStderr());
        TestVm moved = running.onHost("g2", 100, 3);
        assertEquals("RUNNING", lxcState(tb, "g2", running.deployId()));
        Tick after = advancing(tb, "g2", moved);
        assertEquals(before.bootId(), after.bootId(), "same processes: the boot id did not change");
        assertTrue(after.count() > before.count(), "the counter continued instead of restarting");
        assertEquals("UNDEFINED", lxcState(tb, "g1", running.deployId()), "no copy left on the source");
        assertEquals(LXC_DEFAULT_PROFILE, confinement(moved, "g2"), "the same profile confines it on g2");
        return out;
    }

    /** The guest enforces AppArmor as a stock Debian host does; LXC's profile where the config names none. */
    static final String LXC_DEFAULT_PROFILE = "lxc-container-default-cgns (enforce)";

    /** The AppArmor label of the container's init. */
    private String confinement(TestVm vm, String host) {
        return tb.execOk(host, "cat /proc/$(lxc-info -n " + vm.deployId() + " -p -H)/attr/apparmor/current").stdout()
                .strip().replace("\0", "");
    }
}
