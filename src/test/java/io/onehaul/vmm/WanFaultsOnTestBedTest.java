package io.onehaul.vmm;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static io.onehaul.testsupport.CounterContainer.lxcState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.CounterContainer.Tick;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.OnedMigrationHarness.Outcome;
import io.onehaul.testsupport.Proc;
import io.onehaul.testsupport.TestBed;
import io.onehaul.testsupport.TmHarness;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Faults on the way between providers (h1 in provider A, h3 in provider B behind the WAN link, 100 Mbit/s and
 * +40 ms round trip; every byte goes through the front-end's relay): the destination's disk filling up, the
 * relayed connection cut mid-copy, the driver killed mid-copy. Each ends with one whole copy and the truth.
 */
@Tag("testbed")
class WanFaultsOnTestBedTest extends ContainersOnTestBed {
    private static final AtomicInteger NEXT_VMID = new AtomicInteger(680);
    private static final String REMOTE = TestBed.REMOTE;
    private static final long ONE_GIB = 1L << 30;
    private static final Pattern SENT = Pattern.compile("sent (\\d+) bytes of (\\d+)");

    @Test
    void a_destination_that_fills_up_during_the_copy_fails_cleanly_and_the_container_keeps_running() throws Exception {
        TestVm vm = deployOnH1(counterVmOnH1(NEXT_VMID.getAndIncrement(), true));
        Tick before = advancing(tb, "h1", vm);
        String filler = "/var/lib/one/datastores/onehaul-test-filler";
        // once the copy has begun (pre-flight found room), the destination's datastore fills up
        CompletableFuture<Proc.Result> fill = CompletableFuture.supplyAsync(() -> tb.exec(REMOTE,
                "for i in $(seq 600); do [ -d " + vm.sysdir() + " ] && break; sleep 0.05; done; "
                        + "avail=$(df -B1 --output=avail /var/lib/one/datastores | tail -n 1); "
                        + "fallocate -l $((avail - 1048576)) " + filler));
        try {
            Outcome out = migrate.liveMigrate(vm, vm.onHost(REMOTE, 100, 3));
            assertEquals(0, fill.get(60, TimeUnit.SECONDS).exit(), "the filler took the destination's space");
            assertTrue(out.reply().startsWith("MIGRATE FAILURE " + vm.id() + " "), out.reply() + "\n" + out.allStderr());
            assertTrue(out.allStderr().contains("No space left on device"), "the VM log says why: " + out.allStderr());
            assertEquals("RUNNING", lxcState(tb, "h1", vm.deployId()));
            assertEquals(before.bootId(), advancing(tb, "h1", vm).bootId(), "the same processes go on on the source");
            assertEquals(1, tb.exec(REMOTE, "test -e " + vm.sysdir()).exit(), "no partial copy left on " + REMOTE);
            assertEquals("UNDEFINED", lxcState(tb, REMOTE, vm.deployId()));
        } finally {
            fill.get(60, TimeUnit.SECONDS);
            tb.exec(REMOTE, "rm -f " + filler);
        }
    }

    @Test
    void a_1_GiB_rootfs_whose_relayed_connection_is_cut_mid_copy_resumes_and_arrives_intact() throws Exception {
        TmHarness tm = new TmHarness(oned, work.resolve("var"));
        int id = NEXT_VMID.getAndIncrement();
        String folder = poweredOffFolderOnH1(id);
        String sum = sha256("h1", folder + "/disk.0");
        // at a third of the image, the TCP connection that carries the copy to h3 is reset (ss -K on h3)
        CompletableFuture<Proc.Result> cut = CompletableFuture.supplyAsync(() -> cutCopyAt(folder, ONE_GIB / 3));

        Proc.Result mv = tm.line("mv", "h1:" + folder, REMOTE + ":" + folder, Integer.toString(id), "100");
        assertEquals(0, cut.get(10, TimeUnit.SECONDS).exit(), "the connection was cut: " + cut.get().stderr());
        assertEquals(0, mv.exit(), mv.stderr());
        assertTrue(mv.stderr().contains("transfer path relay"), mv.stderr());
        assertTrue(mv.stderr().contains("attempt 2 of 3"), "the copy was resumed: " + mv.stderr());
        assertResumedNotRestarted(mv.stderr());
        assertEquals(sum, sha256(REMOTE, folder + "/disk.0"), "the image arrived intact");
        assertEquals(1, tb.exec("h1", "test -e " + folder).exit(), "the source folder went once the copy was verified");
        assertEquals(1, tb.exec(REMOTE, "test -e " + folder + "/.onehaul-partial").exit(), "no partial left");
    }

    @Test
    void a_move_whose_driver_was_killed_is_picked_up_by_the_retry_not_copied_twice() throws Exception {
        TmHarness tm = new TmHarness(oned, work.resolve("var"));
        int id = NEXT_VMID.getAndIncrement();
        String folder = poweredOffFolderOnH1(id);
        String sum = sha256("h1", folder + "/disk.0");
        CompletableFuture<Proc.Result> first = CompletableFuture.supplyAsync(
                () -> tm.line("mv", "h1:" + folder, REMOTE + ":" + folder, Integer.toString(id), "100"));
        awaitCopied(folder, ONE_GIB / 3);
        Proc.sh("pkill -KILL -f 'tm mv h1:" + folder + " '", 10);
        assertNotEquals(0, first.get(60, TimeUnit.SECONDS).exit(), "the first run was killed");
        assertEquals(0, tb.exec("h1", "test -d " + folder).exit(), "the source is intact after the kill");

        Proc.Result retry = tm.line("mv", "h1:" + folder, REMOTE + ":" + folder, Integer.toString(id), "100");
        assertEquals(0, retry.exit(), retry.stderr());
        assertResumedNotRestarted(retry.stderr());
        assertEquals(sum, sha256(REMOTE, folder + "/disk.0"));
        assertEquals("1", tb.execOk(REMOTE, "ls -d /var/lib/one/datastores/100/" + id + "* | wc -l").stdout().strip(),
                "one folder on the destination, not a second copy beside the first");
        assertEquals(1, tb.exec("h1", "test -e " + folder).exit());
    }

    /** A VM folder as a powered-off VM leaves it: a 1 GiB ext4 rootfs image (busybox inside) and a context disk. */
    private String poweredOffFolderOnH1(int id) {
        String folder = "/var/lib/one/datastores/100/" + id;
        TestVm vm = new TestVm(id, "h1", 100, "", 2, tb.nicBridge(), "10.232.1." + (id % 200 + 10), "/sbin/onehaul-counter");
        made.add(vm.deployed("one-" + id));
        tb.execOk("h1", "mkdir -p " + folder + " && " + tb.value("TB_SCRIPT") + " image-ext4 " + folder + "/disk.0 1024"
                + " && echo 'ONEHAUL_CTX=wan' > " + folder + "/disk.2");
        return folder;
    }

    /** The last attempt sent well under the image: it went on from what the broken one left. */
    private static void assertResumedNotRestarted(String log) {
        Matcher m = SENT.matcher(log);
        assertTrue(m.find(), log);
        long sent = Long.parseLong(m.group(1));
        long total = Long.parseLong(m.group(2));
        assertTrue(total >= ONE_GIB, log);
        assertTrue(sent < total * 3 / 4, "resumed: sent " + sent + " of " + total + " bytes\n" + log);
    }

    private String sha256(String host, String file) {
        return tb.execOk(host, "sha256sum " + file).stdout().split("\\s+")[0];
    }

    /** Waits until rsync's file on h3 holds {@code bytes} (its temporary name, before the rename). */
    private void awaitCopied(String folder, long bytes) {
        Proc.Result r = tb.exec(REMOTE, "for i in $(seq 1200); do s=$(find " + folder + " -name '.disk.0.*' -printf '%s\\n'"
                + " 2>/dev/null | sort -n | tail -n 1); [ \"${s:-0}\" -ge " + bytes + " ] && exit 0; sleep 0.1; done; exit 1");
        assertEquals(0, r.exit(), "rsync's file on " + REMOTE + " never reached " + bytes + " bytes");
    }

    /**
     * Resets the TCP connection that carries the copy into h3: the one held by the sshd above the rsync
     * server writing into {@code folder} (not the driver's own session to h3).
     */
    private Proc.Result cutCopyAt(String folder, long bytes) {
        awaitCopied(folder, bytes);
        return tb.exec(REMOTE, "p=$(pgrep -o -f '^rsync --server.* " + folder + "') || exit 3; "
                + "while [ \"$p\" -gt 1 ]; do "
                + "port=$(ss -tnpH state established '( sport = :22 )' | awk -v p=\"pid=$p,\" "
                + "'index($0, p) { n = split($4, a, \":\"); print a[n]; exit }'); "
                + "[ -n \"$port\" ] && break; p=$(awk '{print $4}' /proc/$p/stat); done; "
                + "[ -n \"$port\" ] || exit 4; "
                + "ss -K state established \"( sport = :22 and dport = :$port )\" >/dev/null");
    }
}
