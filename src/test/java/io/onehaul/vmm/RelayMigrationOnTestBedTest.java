package io.onehaul.vmm;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static io.onehaul.testsupport.CounterContainer.lxcState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.CounterContainer.Tick;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.OnedMigrationHarness.Outcome;
import io.onehaul.testsupport.TestBed;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Hosts of two providers: h1 (provider A) and h3 (provider B, behind the test bed's WAN link: 100 Mbit/s,
 * +40 ms round trip) cannot reach each other, the front-end reaches both. A live migration then takes
 * the relay through the front-end, for every transfer it makes, and says so; within provider A it goes
 * direct.
 */
@Tag("testbed")
class RelayMigrationOnTestBedTest extends ContainersOnTestBed {
    private static final AtomicInteger NEXT_VMID = new AtomicInteger(640);
    private static final String REMOTE = TestBed.REMOTE;

    void migratesThroughTheRelay(String strategy, boolean ext4) throws Exception {
        int id = NEXT_VMID.getAndIncrement();
        OnedMessages.userAttribute(id, "ONEHAUL_MIGRATION_STRATEGIES", strategy);
        TestVm vm = deployOnH1(counterVmOnH1(id, ext4));
        Tick before = advancing(tb, "h1", vm);
        assertTrue(tb.exec("h1", "ssh -o BatchMode=yes -o ConnectTimeout=2 " + REMOTE + " true").exit() != 0,
                "h1 cannot reach " + REMOTE);
        Outcome out = migrate.liveMigrate(vm, vm.onHost(REMOTE, 100, 3));
        assertEquals("MIGRATE SUCCESS " + vm.id() + " -", out.reply(), out.allStderr());
        assertTrue(out.allStderr().contains("transfer path relay: " + REMOTE + " is not reachable from h1"), out.allStderr());
        TestVm moved = vm.onHost(REMOTE, 100, 3);
        assertEquals(before.bootId(), advancing(tb, REMOTE, moved).bootId(), "the same processes go on");
        assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()));
    }

    @Test
    void a_streamed_migration_between_providers_goes_through_the_front_end() throws Exception {
        migratesThroughTheRelay("streamed", true);
    }

    @Test
    void post_copy_pulls_its_pages_through_the_relay_too() throws Exception {
        migratesThroughTheRelay("post-copy", false);
    }

    @Test
    void within_a_provider_the_migration_goes_direct() throws Exception {
        int id = NEXT_VMID.getAndIncrement();
        TestVm vm = deployOnH1(counterVmOnH1(id, false));
        Tick before = advancing(tb, "h1", vm);
        Outcome out = migrate.liveMigrate(vm, vm.onHost("h2", 100, 3));
        assertEquals("MIGRATE SUCCESS " + vm.id() + " -", out.reply(), out.allStderr());
        assertTrue(out.allStderr().contains("transfer path direct: h2 is reachable from h1"), out.allStderr());
        assertEquals(before.bootId(), advancing(tb, "h2", vm.onHost("h2", 100, 3)).bootId(), "the same processes go on");
    }
}
