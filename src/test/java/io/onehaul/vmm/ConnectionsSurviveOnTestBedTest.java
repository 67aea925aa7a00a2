package io.onehaul.vmm;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.CounterContainer.Tick;
import io.onehaul.testsupport.DebianContainer;
import io.onehaul.testsupport.DebianContainer.Flavour;
import io.onehaul.testsupport.OnedColdMigration;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.OnedMigrationHarness.Outcome;
import io.onehaul.testsupport.ServiceClients;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The users of a real container stay connected while it moves: an SSH session running a command and an HTTP
 * keep-alive client fetching from nginx in a loop, both from the front-end over the containers' VXLAN
 * segment, keep their one TCP connection across {@code onevm migrate --live} and across {@code onevm migrate}
 * (CRIU save/restore), with no request failed and no line missing; the database writer commits through the
 * move and no acknowledged row is lost or duplicated. The container is the Debian 12 image's services flavour.
 */
@Tag("testbed")
class ConnectionsSurviveOnTestBedTest extends ContainersOnTestBed {
    private static final AtomicInteger NEXT_VMID = new AtomicInteger(630); // 630-639 are this spec's


    @Test
    void an_ssh_session_and_an_http_keep_alive_connection_survive_a_live_migration() throws Exception {
        usersStayConnectedThrough("live migration", vm -> {
            Outcome out = migrate.liveMigrate(vm, vm.onHost("h2", 100, 3));
            assertTrue(out.success(), out.allStderr());
        });
    }

    @Test
    void they_survive_a_save_and_restore_on_another_host_too() throws Exception {
        usersStayConnectedThrough("save/restore", vm -> new OnedColdMigration(oned, work).saveMoveRestore(vm, "h2"));
    }

    /** A services container on h1, its users connected, {@code move} to h2, and what they saw. */
    private void usersStayConnectedThrough(String what, Consumer<TestVm> move) throws Exception {
        TestVm vm = servicesOnH1();
        Tick before = advancing(tb, "h1", vm);
        int acked = DebianContainer.acked(tb, "h1", vm).size();
        ServiceClients.Seen seen;
        try (ServiceClients users = ServiceClients.connect(tb, vm.ip(), DebianContainer.hostKey(tb, Flavour.SERVICES))) {
            users.awaitAnswers();
            move.accept(vm);
            Thread.sleep(2000);
            seen = users.stop();
        }
        System.out.println(what + ", what the users saw: " + seen.summary());
        TestVm moved = vm.onHost("h2", 100, 3);
        assertSurvived(seen);
        assertEquals(before.bootId(), advancing(tb, "h2", moved).bootId(), "the same processes went on");
        DebianContainer.assertDatabaseIntact(tb, "h2", moved, acked);
    }

    private static void assertSurvived(ServiceClients.Seen seen) {
        assertTrue(seen.sshOpen(), "the SSH session is still open: " + seen.summary());
        assertEquals(0, seen.sshMissing(), "no line of the SSH session's command went missing: " + seen.summary());
        assertTrue(seen.httpSurvived(), "one keep-alive connection, no failed request: " + seen.summary());
        assertTrue(seen.http().path("ok").asInt() > 40, "requests were answered: " + seen.summary());
        assertTrue(seen.ping().lastReplyAt() > seen.ping().gapStartsAt(), "the container answers after the gap");
    }

    private TestVm servicesOnH1() throws Exception {
        int id = NEXT_VMID.getAndIncrement();
        TestVm vm = DebianContainer.vm(tb, id, Flavour.SERVICES);
        made.add(vm.deployed("one-" + id));
        DebianContainer.placeRootDisk(tb, vm, Flavour.SERVICES);
        TestVm running = deployOnH1(vm);
        DebianContainer.awaitServices(tb, "h1", running);
        return running;
    }
}
