package io.onehaul.vmm;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static io.onehaul.testsupport.CounterContainer.lxcState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.CounterContainer.Tick;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.OnedMigrationHarness.Outcome;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Hosts that cannot reach each other (as hosts of two providers): h2 drops everything from h1, the
 * front-end reaches both. A live migration then takes the relay through the front-end, for every
 * transfer it makes, and says so.
 */
@Tag("testbed")
class RelayMigrationOnTestBedTest extends ContainersOnTestBed {
    private static final AtomicInteger NEXT_VMID = new AtomicInteger(640);

    private void isolateH2FromH1(boolean on) {
        String rule = "INPUT -s " + tb.ip("h1") + " -j DROP";
        tb.exec("h2", "iptables -D " + rule + " 2>/dev/null; " + (on ? "iptables -I " + rule : "true"));
    }

    void migratesThroughTheRelay(String strategy, boolean ext4) throws Exception {
        int id = NEXT_VMID.getAndIncrement();
        OnedMessages.userAttribute(id, "ONEHAUL_MIGRATION_STRATEGIES", strategy);
        TestVm vm = deployOnH1(counterVmOnH1(id, ext4));
        Tick before = advancing(tb, "h1", vm);
        isolateH2FromH1(true);
        try {
            assertTrue(tb.exec("h1", "ssh -o BatchMode=yes -o ConnectTimeout=2 h2 true").exit() != 0, "h1 cannot reach h2");
            Outcome out = migrate.liveMigrate(vm, vm.onHost("h2", 100, 3));
            assertEquals("MIGRATE SUCCESS " + vm.id() + " -", out.reply(), out.allStderr());
            assertTrue(out.allStderr().contains("transfer path relay: h2 is not reachable from h1"), out.allStderr());
            TestVm moved = vm.onHost("h2", 100, 3);
            assertEquals(before.bootId(), advancing(tb, "h2", moved).bootId(), "the same processes go on");
            assertEquals("UNDEFINED", lxcState(tb, "h1", vm.deployId()));
        } finally {
            isolateH2FromH1(false);
        }
    }

    @Test
    void a_streamed_migration_between_hosts_that_cannot_reach_each_other_goes_through_the_front_end() throws Exception {
        migratesThroughTheRelay("streamed", true);
    }

    @Test
    void post_copy_pulls_its_pages_through_the_relay_too() throws Exception {
        migratesThroughTheRelay("post-copy", false);
    }
}
