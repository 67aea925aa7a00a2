package io.onehaul.lxc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.opennebula.BadInputException;
import io.onehaul.opennebula.VmXml;
import io.onehaul.testsupport.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The LXC config lxc_live writes is one CRIU can checkpoint and restore (shared notes). */
class LxcConfigRendererTest {
    static final String SYSDIR = "/var/lib/one/datastores/100/3";
    static final LxcConfigRenderer.Options OPTS =
            new LxcConfigRenderer.Options("/usr/share/lxc/config/common.conf", true, true, "/var/log/lxc/one-3.log");

    static VmXml fixtureVm() {
        return VmXml.parse(Fixtures.text("0004-vmm-deploy.stdin.xml"));
    }

    static VmXml vm(String templateExtra, String userTemplate) {
        return VmXml.parse("<VM><ID>7</ID><NAME>web 1</NAME><DEPLOY_ID/><TEMPLATE><CPU>0.5</CPU><MEMORY>128</MEMORY>"
                + "<DISK><DISK_ID>0</DISK_ID><TYPE>FILE</TYPE></DISK>" + templateExtra + "</TEMPLATE><USER_TEMPLATE>"
                + userTemplate + "</USER_TEMPLATE><HISTORY_RECORDS><HISTORY><SEQ>0</SEQ><HOSTNAME>h1</HOSTNAME>"
                + "<DS_ID>0</DS_ID></HISTORY></HISTORY_RECORDS></VM>");
    }

    @Test
    void image_disks_are_loop_mounted_and_folders_used_as_they_are() {
        List<PreparedDisk> disks = DiskPlan.plan(fixtureVm(), SYSDIR,
                Map.of("disk.0", DiskPlan.Kind.FILE, "disk.1", DiskPlan.Kind.DIR, "disk.2", DiskPlan.Kind.FILE));
        assertEquals(3, disks.size());
        PreparedDisk root = disks.get(0);
        assertEquals(PreparedDisk.Role.ROOT, root.role());
        assertTrue(root.loopMount());
        assertEquals(SYSDIR + "/mapper/disk.0", root.hostPath());
        assertFalse(disks.get(1).loopMount());
        assertEquals("media/one-disk.1", disks.get(1).containerPath());
        assertEquals(PreparedDisk.Role.CONTEXT, disks.get(2).role());
        assertTrue(disks.get(2).readOnly());
    }

    @Test
    void a_context_folder_from_the_onehaul_tm_is_bind_mounted_read_only_as_it_is() {
        VmXml vm = fixtureVm();
        List<PreparedDisk> disks = DiskPlan.plan(vm, SYSDIR,
                Map.of("disk.0", DiskPlan.Kind.FILE, "disk.1", DiskPlan.Kind.FILE, "disk.2", DiskPlan.Kind.DIR));
        PreparedDisk ctx = disks.get(disks.size() - 1);
        assertEquals(PreparedDisk.Role.CONTEXT, ctx.role());
        assertFalse(ctx.loopMount(), "a folder is not loop-mounted");
        assertFalse(ctx.generatedContext(), "the TM's folder is used, not a generated one");
        assertEquals(SYSDIR + "/disk.2", ctx.source());
        assertEquals(SYSDIR + "/disk.2", ctx.hostPath());
        assertTrue(ctx.readOnly());
        String conf = LxcConfigRenderer.render(vm, "one-3", disks, OPTS);
        assertTrue(conf.contains("lxc.mount.entry = " + SYSDIR + "/disk.2 context none ro,bind,create=dir,optional 0 0"),
                conf);
        assertFalse(conf.contains(SYSDIR + "/context "), conf);
    }

    @Test
    void a_context_iso_file_is_loop_mounted_read_only() {
        List<PreparedDisk> disks = DiskPlan.plan(fixtureVm(), SYSDIR,
                Map.of("disk.0", DiskPlan.Kind.FILE, "disk.1", DiskPlan.Kind.FILE, "disk.2", DiskPlan.Kind.FILE));
        PreparedDisk ctx = disks.get(disks.size() - 1);
        assertTrue(ctx.loopMount());
        assertEquals(SYSDIR + "/mapper/disk.2", ctx.hostPath());
    }

    @Test
    void without_a_context_disk_on_the_host_the_driver_writes_its_own_context_folder() {
        List<PreparedDisk> disks = DiskPlan.plan(fixtureVm(), SYSDIR,
                Map.of("disk.0", DiskPlan.Kind.DIR, "disk.1", DiskPlan.Kind.DIR));
        PreparedDisk ctx = disks.get(disks.size() - 1);
        assertTrue(ctx.generatedContext());
        assertEquals(SYSDIR + "/context", ctx.hostPath());
    }

    @Test
    void a_missing_root_disk_is_reported_before_anything_is_mounted() {
        assertThrows(BadInputException.class, () -> DiskPlan.plan(fixtureVm(), SYSDIR, Map.of()));
    }

    @Test
    void a_pids_limit_caps_the_containers_tasks_in_the_hosts_cgroup_version() {
        VmXml vm = fixtureVm();
        List<PreparedDisk> disks = DiskPlan.plan(vm, SYSDIR, Map.of("disk.0", DiskPlan.Kind.FILE, "disk.1", DiskPlan.Kind.FILE));
        assertTrue(LxcConfigRenderer.render(vm, "one-3", disks, OPTS.withPidsMax(4096)).contains("lxc.cgroup2.pids.max = 4096\n"));
        var v1 = new LxcConfigRenderer.Options("/c", false, true, "/l").withPidsMax(200);
        assertTrue(LxcConfigRenderer.render(vm, "one-3", disks, v1).contains("lxc.cgroup.pids.max = 200\n"));
        assertFalse(LxcConfigRenderer.render(vm, "one-3", disks, OPTS).contains("pids.max"), "0: no limit");
    }

    @Test
    void config_has_no_tty_console_or_apparmor_and_points_at_the_rootfs() {
        VmXml vm = fixtureVm();
        String conf = LxcConfigRenderer.render(vm, "one-3",
                DiskPlan.plan(vm, SYSDIR, Map.of("disk.0", DiskPlan.Kind.FILE, "disk.1", DiskPlan.Kind.FILE)), OPTS);
        assertTrue(conf.contains("lxc.tty.max = 0\n"));
        assertTrue(conf.contains("lxc.console.path = none\n"));
        assertFalse(conf.contains("apparmor"));
        assertTrue(conf.contains("lxc.rootfs.path = dir:" + SYSDIR + "/mapper/disk.0\n"));
        assertTrue(conf.contains("lxc.cgroup2.memory.max = 64M\n"));
        assertTrue(conf.contains("lxc.cgroup2.cpu.weight = 10\n"));
        assertTrue(conf.contains("lxc.mount.entry = " + SYSDIR + "/context context none ro,bind,create=dir,optional 0 0"));
        assertTrue(conf.contains("lxc.idmap = u 0 600100001 65536\nlxc.idmap = g 0 600100001 65536\n"),
                "unprivileged, with the stock driver's map, by default");
    }

    @Test
    void nics_become_veths_on_their_bridge_with_mac_name_and_address() {
        VmXml vm = vm("<NIC><NIC_ID>0</NIC_ID><BRIDGE>onebr0</BRIDGE><MAC>02:00:0a:e8:01:02</MAC><IP>10.232.1.2</IP>"
                + "<TARGET>one-7-0</TARGET></NIC><CONTEXT><ETH0_MASK>255.255.0.0</ETH0_MASK></CONTEXT>", "");
        String conf = LxcConfigRenderer.render(vm, "one-7", DiskPlan.plan(vm, "/ds/0/7", Map.of("disk.0", DiskPlan.Kind.DIR)), OPTS);
        assertTrue(conf.contains("lxc.net.0.type = veth\nlxc.net.0.link = onebr0\nlxc.net.0.flags = up\n"));
        assertTrue(conf.contains("lxc.net.0.hwaddr = 02:00:0a:e8:01:02\n"));
        assertTrue(conf.contains("lxc.net.0.veth.pair = one-7-0\n"));
        assertTrue(conf.contains("lxc.net.0.ipv4.address = 10.232.1.2/16 10.232.255.255\n"));
        assertTrue(conf.contains("lxc.uts.name = web-1\n"));
    }

    @Test
    void raw_lxc_lines_cannot_bring_back_what_breaks_criu() {
        VmXml vm = vm("<RAW><TYPE>lxc</TYPE><DATA>lxc.apparmor.profile = generated\nlxc.tty.max = 4\nlxc.environment = A=1</DATA></RAW>", "");
        String conf = LxcConfigRenderer.render(vm, "one-7", DiskPlan.plan(vm, "/ds/0/7", Map.of("disk.0", DiskPlan.Kind.DIR)), OPTS);
        assertFalse(conf.contains("lxc.apparmor.profile = generated"));
        assertFalse(conf.contains("lxc.tty.max = 4"));
        assertTrue(conf.contains("lxc.environment = A=1\n"));
    }

    @Test
    void a_privileged_container_is_made_only_where_the_vm_asks_and_the_operator_allows() {
        VmXml asks = vm("", "<LXC_UNPRIVILEGED>No</LXC_UNPRIVILEGED>");
        var disks = DiskPlan.plan(asks, "/ds/0/7", Map.of("disk.0", DiskPlan.Kind.DIR));
        assertFalse(LxcConfigRenderer.render(asks, "one-7", disks, OPTS).contains("lxc.idmap"), "asked and allowed");
        var notAllowed = new LxcConfigRenderer.Options("/usr/share/lxc/config/common.conf", true, false, "/l");
        BadInputException e = assertThrows(BadInputException.class,
                () -> LxcConfigRenderer.render(asks, "one-7", disks, notAllowed));
        assertTrue(e.getMessage().contains("container.allow_privileged"), e.getMessage());
        VmXml yes = vm("", "<LXC_UNPRIVILEGED>yes</LXC_UNPRIVILEGED>");
        assertTrue(LxcConfigRenderer.render(yes, "one-7", disks, notAllowed).contains("lxc.idmap = u 0 600100001"));
    }

    @Test
    void a_running_container_keeps_its_map_wherever_it_is_defined_next() {
        VmXml vm = vm("", "");
        var disks = DiskPlan.plan(vm, "/ds/0/7", Map.of("disk.0", DiskPlan.Kind.DIR));
        var migrating = new LxcConfigRenderer.Options("/c", true, false, "/l", IdMap.PRIVILEGED, java.util.Set.of(), 0);
        assertFalse(LxcConfigRenderer.render(vm, "one-7", disks, migrating).contains("lxc.idmap"),
                "a privileged source stays privileged on the destination: its images are of that container");
    }

    @Test
    void raw_lines_that_would_act_on_the_host_are_refused_unless_allowed_by_name() {
        for (String key : List.of("lxc.hook.pre-start = /bin/evil", "lxc.mount.auto = proc:rw sys:rw",
                "lxc.cap.keep = sys_admin", "lxc.cgroup.devices.allow = a", "lxc.cgroup2.devices.allow = a",
                "lxc.seccomp.profile =", "lxc.namespace.share.net = 1", "lxc.mount.fstab = /etc/fstab")) {
            VmXml vm = vm("<RAW><TYPE>lxc</TYPE><DATA>" + key + "</DATA></RAW>", "");
            var disks = DiskPlan.plan(vm, "/ds/0/7", Map.of("disk.0", DiskPlan.Kind.DIR));
            BadInputException e = assertThrows(BadInputException.class,
                    () -> LxcConfigRenderer.render(vm, "one-7", disks, OPTS), key);
            assertTrue(e.getMessage().contains("container.raw_allowed"), e.getMessage());
        }
        VmXml vm = vm("<RAW><TYPE>lxc</TYPE><DATA>lxc.cap.drop = sys_time</DATA></RAW>", "");
        var disks = DiskPlan.plan(vm, "/ds/0/7", Map.of("disk.0", DiskPlan.Kind.DIR));
        assertTrue(LxcConfigRenderer.render(vm, "one-7", disks, OPTS.withRawAllowed(java.util.Set.of("lxc.cap.drop")))
                .contains("lxc.cap.drop = sys_time\n"), "allowed by name");
    }

    @Test
    void hostile_template_values_are_refused_not_written() {
        VmXml badBridge = vm("<NIC><NIC_ID>0</NIC_ID><BRIDGE>br0\nlxc.hook.pre-start = /bin/evil</BRIDGE></NIC>", "");
        assertThrows(BadInputException.class, () -> LxcConfigRenderer.render(badBridge, "one-7",
                DiskPlan.plan(badBridge, "/ds/0/7", Map.of("disk.0", DiskPlan.Kind.DIR)), OPTS));
        VmXml badInit = vm("", "<LXC_INIT_CMD>/bin/sh\nlxc.hook.start=/bin/evil</LXC_INIT_CMD>");
        assertThrows(BadInputException.class, () -> LxcConfigRenderer.render(badInit, "one-7",
                DiskPlan.plan(badInit, "/ds/0/7", Map.of("disk.0", DiskPlan.Kind.DIR)), OPTS));
        VmXml badTarget = vm("<DISK><DISK_ID>1</DISK_ID><TARGET>/../../etc</TARGET></DISK>", "");
        assertThrows(BadInputException.class, () -> DiskPlan.plan(badTarget, "/ds/0/7",
                Map.of("disk.0", DiskPlan.Kind.DIR, "disk.1", DiskPlan.Kind.DIR)));
    }

    @Test
    void init_command_comes_from_the_user_template_or_defaults_to_sbin_init() {
        VmXml plain = vm("", "");
        VmXml custom = vm("", "<LXC_INIT_CMD>/sbin/onehaul-counter</LXC_INIT_CMD>");
        assertTrue(LxcConfigRenderer.render(plain, "one-7", DiskPlan.plan(plain, "/ds/0/7", Map.of("disk.0", DiskPlan.Kind.DIR)), OPTS)
                .contains("lxc.init.cmd = /sbin/init\n"));
        assertTrue(LxcConfigRenderer.render(custom, "one-7", DiskPlan.plan(custom, "/ds/0/7", Map.of("disk.0", DiskPlan.Kind.DIR)), OPTS)
                .contains("lxc.init.cmd = /sbin/onehaul-counter\n"));
    }

    @Test
    void a_network_mask_is_a_prefix_and_a_malformed_one_is_bad_input_not_an_internal_error() {
        assertEquals(24, LxcConfigRenderer.prefix("255.255.255.0"));
        assertEquals(20, LxcConfigRenderer.prefix("255.255.240.0"));
        assertEquals(0, LxcConfigRenderer.prefix("0.0.0.0"));
        assertEquals(32, LxcConfigRenderer.prefix("255.255.255.255"));
        for (String bad : List.of("255.255.255.x", "255.255.256.0", "255.0.255.0", "255.255.255", "-1.0.0.0",
                "255.255.255.0 ", "1e3.0.0.0")) {
            assertThrows(io.onehaul.opennebula.BadInputException.class,
                    () -> LxcConfigRenderer.prefix(bad), bad);
        }
    }
}
