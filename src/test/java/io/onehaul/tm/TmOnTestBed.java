package io.onehaul.tm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.CounterContainer;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.Proc;
import io.onehaul.testsupport.TestBed;
import io.onehaul.testsupport.TmHarness;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Shared set-up of the onehaul TM specs on the test bed: VM ids 300–399 (lifecycle tests use 200–299,
 * migration 400–499, relay migration 640–649), VM folders with awkward content, containers deployed through lxc_live, and a
 * scrub of everything a test made.
 */
abstract class TmOnTestBed {
    static final String S = "/var/lib/one/datastores";
    /** Held while a test uses a VM id, so two test JVMs on one machine never share a VM folder. */
    private static final Map<Integer, FileChannel> CLAIMED = new ConcurrentHashMap<>();

    TestBed tb;
    TmHarness oned;
    final List<TestVm> made = new ArrayList<>();

    void bed(Path work) {
        tb = TestBed.get();
        oned = TmHarness.forTestBed(tb, work);
    }

    void scrubAll() {
        for (TestVm vm : made) {
            for (String h : tb.hosts()) {
                CounterContainer.scrub(tb, h, vm);
            }
        }
        for (TestVm vm : made) {
            release(vm.id());
        }
    }

    /**
     * The lowest free id in 300-399: a file lock per id (released by the OS if the JVM dies) keeps a
     * concurrent run of these specs (another checkout, CI) off the VM folders this one uses.
     */
    private static int claimVmid() {
        for (int id = 300; id <= 399; id++) {
            if (CLAIMED.containsKey(id)) {
                continue;
            }
            try {
                FileChannel ch = FileChannel.open(Path.of("/tmp/onehaul-tm-spec-vmid-" + id + ".lock"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = ch.tryLock();
                if (lock != null) {
                    CLAIMED.put(id, ch);
                    return id;
                }
                ch.close();
            } catch (IOException | OverlappingFileLockException e) {
                // taken: try the next id
            }
        }
        throw new IllegalStateException("all VM ids 300-399 of the onehaul TM specs are in use");
    }

    private static void release(int id) {
        FileChannel ch = CLAIMED.remove(id);
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing drops the lock either way
            }
        }
    }

    /** A VM (no NIC) placed on {@code host} in system datastore {@code ds}; remembered for the scrub. */
    TestVm newVm(String host, int ds) {
        int id = claimVmid();
        return same(new TestVm(id, host, ds, "", 2, null, null, "/sbin/onehaul-counter"));
    }

    /** The same VM placed elsewhere (another datastore): remembered too, so its folder is scrubbed. */
    TestVm same(TestVm vm) {
        made.add(vm.deployed("one-" + vm.id()));
        return vm;
    }

    /**
     * A VM folder as a stopped VM leaves it: an ext4 root image (sparse), a folder disk with a symlink,
     * a hard link, a private file owned by another uid, and a checkpoint folder.
     */
    void fillFolder(TestVm vm) {
        CounterContainer.placeRootDisk(tb, vm, true);
        String d = vm.sysdir();
        tb.execOk(vm.host(), "set -e; mkdir -p " + d + "/disk.1/sub " + d + "/checkpoint " + d + "/mapper/disk.0; "
                + "echo hello > " + d + "/disk.1/sub/a.txt; ln -s sub/a.txt " + d + "/disk.1/link; "
                + "ln " + d + "/disk.1/sub/a.txt " + d + "/disk.1/hard; "
                + "echo secret > " + d + "/disk.1/private; chmod 600 " + d + "/disk.1/private; "
                + "chown 1234:2345 " + d + "/disk.1/private; "
                + "head -c 300000 /dev/urandom > " + d + "/checkpoint/pages-1.img");
    }

    /** Every entry with type, mode, owner, size, link target, link count, and every file's hash. */
    String tree(String host, String dir) {
        return tb.execOk(host, "cd " + dir + " && find . -printf '%y %m %U:%G %s %n %P -> %l\\n' | grep -v '^d' | "
                + "LC_ALL=C sort && find . -type d -printf '%m %P\\n' | LC_ALL=C sort && "
                + "find . -type f -exec sha256sum {} + | LC_ALL=C sort").stdout();
    }

    boolean exists(String host, String path) {
        return tb.exec(host, "test -e " + path).exit() == 0;
    }

    /** Allocated bytes well below the apparent size: the holes survived. */
    void assertSparse(String host, String file) {
        String[] s = tb.execOk(host, "stat -c '%b %B %s' " + file).stdout().strip().split(" ");
        long allocated = Long.parseLong(s[0]) * Long.parseLong(s[1]);
        long size = Long.parseLong(s[2]);
        assertTrue(allocated < size / 2, file + " on " + host + " is not sparse: " + allocated + " of " + size);
    }

    TestVm deploy(TestVm vm) {
        Proc.Result r = oned.driver().vmm("deploy", List.of("/var/lib/one/vms/" + vm.id() + "/deployment.0", vm.host()),
                vm.id(), vm.host(), OnedMessages.vm(vm));
        assertEquals(0, r.exit(), "deploy failed: " + r.stderr());
        assertEquals("RUNNING", CounterContainer.lxcState(tb, vm.host(), "one-" + vm.id()));
        return vm.deployed("one-" + vm.id()).onHost(vm.host(), vm.datastoreId(), 3);
    }

    static void assertFailedWith(Proc.Result r, int exit, String... words) {
        assertEquals(exit, r.exit(), r.stderr());
        List<String> plain = r.stderr().lines().filter(l -> !l.matches("^(INFO|ERROR|WARN|DEBUG):.*")).toList();
        assertEquals(1, plain.size(), "one plain reason line for oned: " + r.stderr());
        for (String w : words) {
            assertTrue(plain.get(0).contains(w), "'" + w + "' in: " + plain.get(0));
        }
    }

    static void assertOk(Proc.Result r) {
        assertEquals(0, r.exit(), r.stderr());
    }
}
