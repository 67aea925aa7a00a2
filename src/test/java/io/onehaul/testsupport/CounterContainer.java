package io.onehaul.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.OnedMessages.TestVm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The test container on the test bed: its init writes "<boot id> <counter>" to /tick every 0.2 s, so a
 * test can tell "the same processes went on" (same boot id, higher counter) from "it restarted".
 */
public final class CounterContainer {
    public record Tick(String bootId, long count) {}

    private static Path imageExt4;
    private static Path imageDir;

    private CounterContainer() {}

    /** Puts the root disk into the VM folder on the host, as a TM clone would. */
    public static void placeRootDisk(TestBed tb, TestVm vm, boolean ext4) {
        Path image = image(tb, ext4);
        tb.execOk(vm.host(), "mkdir -p " + vm.sysdir() + " && rm -rf " + vm.sysdir() + "/disk.0 && "
                + (ext4 ? "cp --sparse=always " + image + " " : "cp -a " + image + " ") + vm.sysdir() + "/disk.0");
    }

    private static synchronized Path image(TestBed tb, boolean ext4) {
        try {
            if (ext4 && imageExt4 == null) {
                imageExt4 = Files.createTempDirectory("onehaul-img").resolve("counter.ext4");
                tb.buildImage(true, imageExt4);
            }
            if (!ext4 && imageDir == null) {
                imageDir = Files.createTempDirectory("onehaul-img").resolve("counter-rootfs");
                tb.buildImage(false, imageDir);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return ext4 ? imageExt4 : imageDir;
    }

    /** Reads /tick through the rootfs as the host sees it (loop mount or folder). */
    public static Tick tick(TestBed tb, String host, TestVm vm) {
        String path = vm.sysdir() + "/mapper/disk.0/tick";
        Proc.Result r = tb.exec(host, "cat " + path + " 2>/dev/null || cat " + vm.sysdir() + "/disk.0/tick");
        String[] parts = r.requireOk("reading /tick").stdout().strip().split(" ");
        return new Tick(parts[0], Long.parseLong(parts[1]));
    }

    /**
     * How long a counter may take to show it runs: its first /tick (a container that just booted, a Debian
     * one whose init starts several services) and a newer one. A deadline for liveness, not a time to meet.
     */
    static final Duration ADVANCE_DEADLINE = Duration.ofSeconds(60);

    /** Waits until the counter moves on, and returns the newer tick. */
    public static Tick advancing(TestBed tb, String host, TestVm vm) throws InterruptedException {
        long end = System.nanoTime() + ADVANCE_DEADLINE.toNanos();
        Tick first = null;
        while (true) {
            Tick now = tickIfThere(tb, host, vm);
            if (first == null) {
                first = now;
            } else if (now != null && now.count() > first.count()) {
                assertEquals(first.bootId(), now.bootId(), "boot id changed while merely counting");
                return now;
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("the counter of " + vm.deployId() + " on " + host + (first == null
                        ? " wrote no /tick" : " does not advance") + " in " + ADVANCE_DEADLINE.toSeconds() + " s");
            }
            Thread.sleep(250);
        }
    }

    private static Tick tickIfThere(TestBed tb, String host, TestVm vm) {
        Proc.Result r = tb.exec(host, "cat " + vm.sysdir() + "/mapper/disk.0/tick 2>/dev/null || cat " + vm.sysdir()
                + "/disk.0/tick 2>/dev/null");
        String[] parts = r.stdout().strip().split(" ");
        return r.exit() == 0 && parts.length == 2 ? new Tick(parts[0], Long.parseLong(parts[1])) : null;
    }

    public static String lxcState(TestBed tb, String host, String name) {
        Proc.Result r = tb.exec(host, "test -f /var/lib/lxc/" + name + "/config || { echo UNDEFINED; exit 0; }; "
                + "lxc-info -n " + name + " -s -H");
        return r.requireOk("lxc-info").stdout().strip();
    }

    public static void assertNoMountsLeft(TestBed tb, String host, TestVm vm) {
        String mounts = tb.execOk(host, "grep -F ' " + vm.sysdir() + "/' /proc/mounts || true").stdout().strip();
        assertTrue(mounts.isEmpty(), "mounts left on " + host + ": " + mounts);
    }

    /** Best-effort removal of everything a test left on a host. */
    public static void scrub(TestBed tb, String host, TestVm vm) {
        tb.exec(host, "lxc-stop -k -n " + vm.deployId() + " >/dev/null 2>&1; "
                + "awk -v p=" + vm.sysdir() + "/ 'index($2,p)==1 {print $2}' /proc/mounts | sort -r | "
                + "while read -r m; do umount -l \"$m\"; done; rm -rf /var/lib/lxc/" + vm.deployId() + " " + vm.sysdir());
    }
}
