package io.onehaul.testsupport;

import static org.junit.jupiter.api.Assumptions.abort;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The hosts inside the QEMU guest (testbed/guest.sh): g1, g2 on Debian 13's stock kernel, which has the
 * soft-dirty tracking this machine's kernel lacks (so CRIU can pre-dump there), reached from the front-end
 * over SSH like h1 and h2. The same {@link TestBed} API: {@code exec} and the image builders go through
 * guest.sh over SSH, so paths are the guest's.
 *
 * <p>The guest takes minutes to build the first time and ~1.4 GiB of memory while up, so specs use it only
 * when it is up already ({@code bash testbed/guest.sh up}), or bring it up themselves when
 * {@code ONEHAUL_TEST_GUEST=up}; otherwise they are skipped with the reason.
 */
public final class GuestTestBed {
    private static TestBed instance;
    private static String unavailable;

    private GuestTestBed() {}

    public static synchronized TestBed get() {
        if (instance != null) {
            return instance;
        }
        if (unavailable == null) {
            unavailable = missingPrerequisite();
        }
        if (!unavailable.isEmpty()) {
            abort("skipped: " + unavailable);
        }
        Path script = Repo.root().resolve("testbed/guest.sh");
        // idempotent: a healthy guest is kept (~4 s), a broken one rebuilt
        Proc.run(List.of("bash", script.toString(), "up"), null, null, null, 1800).requireOk("guest up");
        instance = TestBed.of(stateDir().resolve("env"), script);
        return instance;
    }

    static Path stateDir() {
        String s = System.getenv("ONEHAUL_GUEST_DIR");
        return Path.of(s != null && !s.isBlank() ? s : "/var/lib/onehaul-guest");
    }

    private static String missingPrerequisite() {
        if (!"0".equals(Proc.sh("id -u", 10).stdout().strip())) {
            return "the guest needs root (a TAP device, a bridge, routes)";
        }
        if (Proc.sh("command -v qemu-system-x86_64 && command -v qemu-img", 10).exit() != 0) {
            return "QEMU is not installed (qemu-system-x86, qemu-utils: testbed/install-deps.sh)";
        }
        boolean up = Files.isRegularFile(stateDir().resolve("env"))
                && Proc.sh("bash " + Repo.root().resolve("testbed/guest.sh") + " status | grep -q '^guest '", 60).exit() == 0;
        if (!up && !"up".equals(System.getenv("ONEHAUL_TEST_GUEST"))) {
            return "the stock-kernel guest is not up (bash testbed/guest.sh up, or ONEHAUL_TEST_GUEST=up)";
        }
        return "";
    }
}
