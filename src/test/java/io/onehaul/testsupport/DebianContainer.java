package io.onehaul.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.OnedMessages.TestVm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The real Debian 12 container (testbed/images/debian12.sh): nginx, sshd, PostgreSQL 15 with a writer whose
 * acknowledged rows a test can check, and the /tick heartbeat that {@link CounterContainer#tick} reads. Built
 * once per JVM and flavour (the debootstrap is cached on the machine), placed as the VM's disk.0 like the
 * counter image. The container's address is on the test bed's VXLAN segment, so checks run from the front-end.
 */
public final class DebianContainer {
    /** The page nginx serves (index.html of the image). */
    public static final String PAGE_TEXT = "onehaul-debian12 nginx is serving";
    /** CRIU 4.1.1 on these hosts needs the compat preload (testbed/criu-compat/criu-compat.c) to dump real services. */
    public static final String CRIU_COMPAT = "/usr/local/lib/onehaul/criu-compat.so";

    public enum Flavour {
        SERVICES("services"), SYSTEMD("systemd");

        final String arg;

        Flavour(String arg) {
            this.arg = arg;
        }

        /** The flavour a VM of {@link #vm} was made with (its init command). */
        public static Flavour of(TestVm vm) {
            for (Flavour f : values()) {
                if (f.initCmd().equals(vm.initCmd())) {
                    return f;
                }
            }
            throw new IllegalArgumentException(vm.deployId() + " is not a Debian container VM (init " + vm.initCmd() + ")");
        }

        /** LXC_INIT_CMD: both images have /sbin/onehaul-services (in the systemd one it is /sbin/init's wrapper). */
        public String initCmd() {
            return this == SERVICES ? "/sbin/onehaul-services" : "/sbin/init";
        }
    }

    private static final Map<Flavour, Path> IMAGES = new EnumMap<>(Flavour.class);

    private DebianContainer() {}

    /** Its services have inet sockets: CRIU 4.1.1 needs the compat preload, which the test bed's CRIU environment has. */
    private static void requireCriuCompat(TestBed tb) {
        String env = tb.value("TB_CRIU_ENV");
        if (!env.contains("LD_PRELOAD=" + CRIU_COMPAT)) {
            throw new IllegalStateException("the test bed's CRIU environment lacks the compat preload: " + env);
        }
    }

    /** A VM of this flavour with 512 MiB (PostgreSQL's shared buffers alone are 128 MiB). */
    public static TestVm vm(TestBed tb, int id, Flavour flavour) {
        OnedMessages.memoryMb(id, 512);
        return new TestVm(id, "h1", 100, "", 2, tb.nicBridge(), ip(id), flavour.initCmd());
    }

    public static String ip(int vmid) {
        return "10.232.1." + (vmid % 200 + 10);
    }

    /** Puts the root disk into the VM folder on its host, as a TM clone would. */
    public static void placeRootDisk(TestBed tb, TestVm vm, Flavour flavour) {
        requireCriuCompat(tb);
        Path image = image(tb, flavour);
        tb.execOk(vm.host(), "mkdir -p " + vm.sysdir() + " && rm -rf " + vm.sysdir() + "/disk.0 && cp --sparse=always "
                + image + " " + vm.sysdir() + "/disk.0");
    }

    private static synchronized Path image(TestBed tb, Flavour flavour) {
        return IMAGES.computeIfAbsent(flavour, f -> {
            try {
                Path out = Files.createTempDirectory("onehaul-deb12").resolve("debian12-" + f.arg + ".ext4");
                Proc.run(List.of("bash", Repo.root().resolve("testbed/images/debian12.sh").toString(), "build", f.arg,
                                out.toString(), "--authorized-key", tb.frontendKey() + ".pub"), Repo.root(), Map.of(),
                        new byte[0], 900).requireOk("building the Debian 12 image (" + f.arg + ")");
                return out;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The image's SSH host key ("ssh-ed25519 AAAA..."), for clients that check it (every build makes its own). */
    public static String hostKey(TestBed tb, Flavour flavour) {
        String pub = Proc.run(List.of("debugfs", "-R", "cat /etc/ssh/ssh_host_ed25519_key.pub", image(tb, flavour).toString()),
                Repo.root(), Map.of(), new byte[0], 60).requireOk("reading the image's host key").stdout().strip();
        String[] parts = pub.split("\\s+");
        if (parts.length < 2 || !parts[0].equals("ssh-ed25519")) {
            throw new IllegalStateException("no ed25519 host key in the image: '" + pub + "'");
        }
        return parts[0] + " " + parts[1];
    }

    /** The page at http://IP/ from the front-end, or the error. */
    public static String page(String ip) {
        try {
            HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("http://" + ip + "/"))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body();
        } catch (IOException e) {
            return "error: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /**
     * Runs {@code command} in the container over SSH from the front-end, as root with the front-end's key; the
     * container's host key is checked against the one its image was built with.
     */
    public static Proc.Result ssh(TestBed tb, TestVm vm, String command) {
        try {
            Path knownHosts = Files.createTempFile("onehaul-deb12", ".known_hosts");
            Files.writeString(knownHosts, vm.ip() + " " + hostKey(tb, Flavour.of(vm)) + "\n");
            try {
                return Proc.run(List.of("ssh", "-i", tb.frontendKey().toString(), "-o", "BatchMode=yes", "-o",
                        "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + knownHosts, "-o",
                        "GlobalKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR",
                        "root@" + vm.ip(), command), null, null, null, 30);
            } finally {
                Files.deleteIfExists(knownHosts);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The writer's acknowledged sequence numbers, read through the host's mount of the image. */
    public static List<Long> acked(TestBed tb, String host, TestVm vm) {
        String out = tb.exec(host, "cat " + vm.sysdir() + "/mapper/disk.0/var/lib/onehaul/acked 2>/dev/null").stdout();
        return out.lines().filter(l -> l.matches("\\d+")).map(Long::parseLong).toList();
    }

    /** How often each sequence number is in the table, read with psql inside the container. */
    public static Map<Long, Integer> rows(TestBed tb, String host, TestVm vm) {
        String out = tb.execOk(host, "lxc-attach -n " + vm.deployId() + " -- runuser -u postgres -- psql -X -tA -d onehaul"
                + " -c 'SELECT seq FROM rows' </dev/null").stdout();
        Map<Long, Integer> count = new TreeMap<>();
        out.lines().filter(l -> l.matches("\\d+")).forEach(l -> count.merge(Long.parseLong(l), 1, Integer::sum));
        return count;
    }

    /** Waits (60 s) until nginx answers from the front-end and the writer has acknowledged rows. */
    public static void awaitServices(TestBed tb, String host, TestVm vm) throws InterruptedException {
        String last = "";
        for (int i = 0; i < 300; i++) {
            last = page(vm.ip());
            if (last.startsWith("200 ") && acked(tb, host, vm).size() > 3) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(vm.deployId() + " on " + host + ": services not up in 60 s (nginx: " + last + ", "
                + acked(tb, host, vm).size() + " rows acknowledged)");
    }

    /**
     * Waits until the writer has acknowledged {@code more} rows beyond those it had on entry, failing only
     * when {@code deadline} passes: it shows the writer is alive without timing it, which a busy machine
     * would make flaky.
     */
    public static void awaitWriterProgress(TestBed tb, String host, TestVm vm, int more, Duration deadline)
            throws InterruptedException {
        int start = acked(tb, host, vm).size();
        long end = System.nanoTime() + deadline.toNanos();
        int now = start;
        while (System.nanoTime() < end) {
            now = acked(tb, host, vm).size();
            if (now >= start + more) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(vm.deployId() + " on " + host + ": the writer acknowledged " + (now - start)
                + " rows in " + deadline.toSeconds() + " s, wanted " + more);
    }

    /** Every acknowledged row is in the table once, and the writer went on (more rows than {@code before}). */
    public static void assertDatabaseIntact(TestBed tb, String host, TestVm vm, int before) {
        List<Long> acked = acked(tb, host, vm);
        Map<Long, Integer> rows = rows(tb, host, vm);
        List<Long> lost = acked.stream().filter(s -> !rows.containsKey(s)).toList();
        List<Long> dup = rows.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
        assertTrue(lost.isEmpty(), "acknowledged but not in the table: " + lost);
        assertTrue(dup.isEmpty(), "in the table more than once: " + dup);
        assertTrue(acked.size() > before, "the writer went on: " + acked.size() + " acknowledged, " + before + " before");
        assertEquals(acked.size(), acked.stream().distinct().count(), "a sequence number acknowledged twice");
    }
}
