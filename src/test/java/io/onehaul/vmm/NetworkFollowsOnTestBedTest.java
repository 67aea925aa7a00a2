package io.onehaul.vmm;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.OnedColdMigration;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.OnedMigrationHarness.Outcome;
import io.onehaul.testsupport.PingClient;
import io.onehaul.testsupport.Proc;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The container's network follows it: the test bed's hosts share one L2 segment for containers (VXLAN
 * between their NIC bridges, reaching the front-end's bridge, as OpenNebula's VXLAN networks do), so the
 * front-end reaches a container at the same address on either host; after a restore the destination
 * announces the container, so the segment forwards to the new host at once, not when the container
 * happens to send something.
 */
@Tag("testbed")
class NetworkFollowsOnTestBedTest extends ContainersOnTestBed {
    private static final AtomicInteger NEXT_VMID = new AtomicInteger(620);
    /** The front-end's VXLAN port towards provider A's hosts (testbed.sh VN_FE_DEVICE_PREFIX + "a"). */
    private static final String FRONTEND_VXLAN = "ohtbvx-a";

    @Test
    void a_client_on_the_front_end_reaches_the_container_at_the_same_address_before_and_after_a_live_move()
            throws Exception {
        TestVm vm = deployOnH1(counterVmOnH1(NEXT_VMID.getAndIncrement(), true));
        try (PingClient client = PingClient.start(vm.ip())) {
            client.awaitReplies(50);
            Outcome out = migrate.liveMigrate(vm, vm.onHost("h2", 100, 3));
            assertTrue(out.success(), out.allStderr());
            double movedAt = System.currentTimeMillis() / 1000.0;
            Thread.sleep(1500);
            PingClient.Gaps seen = client.stop();
            assertTrue(seen.lastReplyAt() > movedAt + 1, "the container answers from h2 after the move: " + seen);
            System.out.printf("network-visible gap of a live move (every 10 ms from the front-end): %.3f s%n",
                    seen.largestGapSeconds());
        }
        advancing(tb, "h2", vm.onHost("h2", 100, 3));
    }

    @Test
    void after_a_live_move_the_segment_forwards_to_the_new_host_before_the_container_sends_anything() throws Exception {
        TestVm vm = deployOnH1(counterVmOnH1(NEXT_VMID.getAndIncrement(), true));
        String mac = macOf("h1", vm);
        ipv4Only("h1", vm);
        // The front-end learns where the container is from one reply; the counter itself sends nothing.
        Proc.sh("ping -c 1 -W 2 " + vm.ip(), 10).requireOk("one ping to the container on h1");
        assertEquals(tb.ip("h1"), frontEndForwardsTo(mac));

        Outcome out = migrate.liveMigrate(vm, vm.onHost("h2", 100, 3));
        assertTrue(out.success(), out.allStderr());

        waitForForwarding(mac, tb.ip("h2"));
    }

    @Test
    void after_a_save_and_restore_on_another_host_the_segment_forwards_there_too() throws Exception {
        TestVm vm = deployOnH1(counterVmOnH1(NEXT_VMID.getAndIncrement(), true));
        String mac = macOf("h1", vm);
        ipv4Only("h1", vm);
        Proc.sh("ping -c 1 -W 2 " + vm.ip(), 10).requireOk("one ping to the container on h1");
        new OnedColdMigration(oned, work).saveMoveRestore(vm, "h2");
        TestVm onH2 = vm.onHost("h2", 100, 3);
        waitForForwarding(mac, tb.ip("h2"));
        advancing(tb, "h2", onH2);
    }

    /** The announcement goes out in the background right after the restore: allow it a moment, not a ping. */
    private void waitForForwarding(String mac, String hostIp) throws InterruptedException {
        String now = "";
        for (int i = 0; i < 30; i++) {
            now = frontEndForwardsTo(mac);
            if (now.equals(hostIp)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("3 s after the move the front-end still forwards " + mac + " to '" + now
                + "', not to " + hostIp);
    }

    /**
     * With IPv6 on, the kernel of a restored container sends multicast (MLD, DAD) from its MAC by itself,
     * which also teaches the segment; without it only the announcement does, so the spec would fail if
     * the announcement were missing.
     */
    private void ipv4Only(String host, TestVm vm) {
        String pid = tb.execOk(host, "lxc-info -n " + vm.deployId() + " -p -H").stdout().strip();
        tb.execOk(host, "nsenter -t " + pid + " -n sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 "
                + "net.ipv6.conf.eth0.disable_ipv6=1");
    }

    private String macOf(String host, TestVm vm) {
        String pid = tb.execOk(host, "lxc-info -n " + vm.deployId() + " -p -H").stdout().strip();
        String link = tb.execOk(host, "nsenter -t " + pid + " -n ip -o link show eth0").stdout();
        return link.replaceAll("(?s).*link/ether ([0-9a-f:]{17}).*", "$1");
    }

    /** The VTEP (host address) the front-end's VXLAN port sends this MAC to, or "" if it does not know. */
    private static String frontEndForwardsTo(String mac) {
        String fdb = Proc.sh("bridge fdb show dev " + FRONTEND_VXLAN + " | grep -i '^" + mac + " ' || true", 10)
                .requireOk("bridge fdb").stdout();
        return fdb.replaceAll("(?s).*\\bdst ([0-9.]+).*", "$1").strip().replaceAll("(?s)^(?![0-9.]+$).*", "");
    }
}
