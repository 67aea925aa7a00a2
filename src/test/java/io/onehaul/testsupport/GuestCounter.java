package io.onehaul.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.onehaul.testsupport.OnedMessages.TestVm;
import java.nio.file.Path;
import java.util.List;

/**
 * The counter container (testbed.sh's image) deployed on g1 in the stock-kernel guest as oned deploys it,
 * for the specs that move it between the guest's hosts; {@link #scrub} removes it from every host.
 */
public final class GuestCounter {
    /** Where the image is built inside the guest (a path of the guest's, seen by every guest host). */
    public static final String IMAGE = "/var/tmp/onehaul-guest-test/counter.ext4";

    private GuestCounter() {}

    /** A VM of {@code id} on g1 (datastore 100) with the counter as init and a NIC on the guest's segment. */
    public static TestVm vm(TestBed tb, int id) {
        return new TestVm(id, "g1", 100, "", 2, tb.nicBridge(), "10.232.1." + (id % 200 + 10), "/sbin/onehaul-counter");
    }

    /** Places the image as the VM's disk.0 on g1 (built once per guest boot) and deploys it; returns it running. */
    public static TestVm deployOnG1(TestBed tb, DriverHarness oned, TestVm vm) {
        if (tb.exec("g1", "test -s " + IMAGE).exit() != 0) {
            tb.execOk("g1", "mkdir -p " + Path.of(IMAGE).getParent());
            tb.buildImage(true, Path.of(IMAGE));
        }
        tb.execOk("g1", "mkdir -p " + vm.sysdir() + " && cp --sparse=always " + IMAGE + " " + vm.sysdir() + "/disk.0");
        Proc.Result deploy = oned.vmm("deploy", List.of("/var/lib/one/vms/" + vm.id() + "/deployment.0", "g1"), vm.id(),
                "g1", OnedMessages.vm(vm));
        assertEquals(0, deploy.exit(), deploy.stderr());
        return vm.deployed("one-" + vm.id()).onHost("g1", 100, 3);
    }

    /** Removes the deployed VM's container, mounts and folder from every guest host; nothing when none was made. */
    public static void scrub(TestBed tb, TestVm made) {
        if (made == null || tb == null) {
            return;
        }
        for (String h : tb.hosts()) {
            CounterContainer.scrub(tb, h, made);
        }
    }
}
