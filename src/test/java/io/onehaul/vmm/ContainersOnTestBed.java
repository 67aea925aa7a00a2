package io.onehaul.vmm;

import static io.onehaul.testsupport.CounterContainer.advancing;
import static io.onehaul.testsupport.CounterContainer.placeRootDisk;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.onehaul.testsupport.CounterContainer;
import io.onehaul.testsupport.DriverHarness;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.OnedMigrationHarness;
import io.onehaul.testsupport.Proc;
import io.onehaul.testsupport.Repo;
import io.onehaul.testsupport.TestBed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the specs that run counter containers on the test bed share: the bed, the driver harness in
 * oned's shoes, and the scrub of every VM a spec made, on every host.
 */
abstract class ContainersOnTestBed {
    @TempDir Path work;
    TestBed tb;
    DriverHarness oned;
    OnedMigrationHarness migrate;
    final List<TestVm> made = new ArrayList<>();

    @BeforeEach
    void bed() {
        tb = TestBed.get();
        oned = DriverHarness.forTestBed(tb, work);
        migrate = new OnedMigrationHarness(oned);
    }

    @AfterEach
    void scrub() {
        for (TestVm vm : made) {
            for (String h : tb.hosts()) {
                CounterContainer.scrub(tb, h, vm);
            }
        }
    }

    /** A counter-container VM on h1 (system datastore 100) with its root disk in place, not deployed yet. */
    TestVm counterVmOnH1(int id, boolean ext4Image) {
        TestVm vm = new TestVm(id, "h1", 100, "", 2, tb.nicBridge(), "10.232.1." + (id % 200 + 10), "/sbin/onehaul-counter");
        made.add(vm.deployed("one-" + id));
        placeRootDisk(tb, vm, ext4Image);
        return vm;
    }

    /** Deploys it as oned does and returns it once its counter moves. */
    TestVm deployOnH1(TestVm vm) throws Exception {
        Proc.Result r = oned.vmm("deploy", List.of("/var/lib/one/vms/" + vm.id() + "/deployment.0", "h1"), vm.id(), "h1",
                OnedMessages.vm(vm));
        assertEquals(0, r.exit(), r.stderr());
        TestVm running = vm.deployed("one-" + vm.id()).onHost("h1", 100, 3);
        advancing(tb, "h1", running);
        return running;
    }

    /**
     * Starts bench/src/memhog.c in a running ext4-image container and waits until it holds {@code mib} MiB: a
     * dump and a restore then take about a second (fault specs need that window). The VM's MEMORY must have
     * room for it (twice, while a migration holds the source on this test bed).
     */
    void startMemhog(TestVm running, int mib) throws Exception {
        Path memhog = buildWorkload("memhog.c");
        String name = running.deployId();
        tb.execOk(running.host(), "cp " + memhog + " " + running.sysdir() + "/mapper/disk.0/memhog");
        tb.execOk(running.host(), "lxc-attach -n " + name + " -- /bin/sh -c 'setsid /memhog " + mib
                + " </dev/null >/dev/null 2>&1 &'");
        tb.execOk(running.host(), "for i in $(seq 1 300); do r=$(lxc-attach -n " + name + " -- /bin/sh -c "
                + "'grep VmRSS /proc/$(pidof memhog)/status' 2>/dev/null | tr -dc 0-9); "
                + "[ -n \"$r\" ] && [ \"$r\" -ge " + (mib * 1024L) + " ] && exit 0; sleep 0.2; done; echo \"rss=$r\"; exit 1");
    }

    /** A static test workload from bench/src (CRIU-friendly: no shared libraries to differ between hosts). */
    static Path buildWorkload(String source, String... extraFlags) throws Exception {
        Path bin = Files.createTempDirectory("onehaul-workload").resolve(source.replace(".c", ""));
        List<String> cmd = new ArrayList<>(List.of("gcc", "-O2", "-static"));
        cmd.addAll(List.of(extraFlags));
        cmd.addAll(List.of("-o", bin.toString(), Repo.root().resolve("bench/src/" + source).toString()));
        Proc.Result cc = Proc.run(cmd, Repo.root(), Map.of(), new byte[0], 120);
        assertEquals(0, cc.exit(), "building " + source + ": " + cc.stderr());
        return bin;
    }
}
