package io.onehaul.install;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Specification of {@code install.sh} and of the {@code remotes/vmm/lxc_live} shims: runs the real
 * script with bash into a temporary root, with a fake jar and a sample oned.conf.
 */
class InstallScriptTest {

    /** Actions the Java driver implements. */
    static final List<String> IMPLEMENTED =
            List.of("deploy", "shutdown", "cancel", "reboot", "reset", "save", "restore", "migrate");

    /** Actions the stock lxc driver has and lxc_live refuses. */
    static final List<String> NOT_SUPPORTED = List.of("attach_disk", "detach_disk", "attach_nic", "detach_nic",
            "prereconfigure", "reconfigure", "snapshot_create", "snapshot_revert", "snapshot_delete", "resize",
            "resize_disk", "exec", "exec_cancel");

    static final String BEGIN = "# BEGIN OneHaul (managed by install.sh)";
    static final String END = "# END OneHaul";
    static final String DEFAULT_BIN = "/usr/lib/one/onehaul/bin/onehaul";
    static final String BACKUP_PREFIX = "oned.conf.onehaul-backup-";

    static final String SAMPLE_ONED_CONF = """
            #*******************************************************************************
            #                       OpenNebula Configuration file
            #*******************************************************************************

            LOG = [
              SYSTEM      = "file",
              DEBUG_LEVEL = 3
            ]

            PORT = 2633
            LISTEN_ADDRESS = "0.0.0.0"
            DB = [ BACKEND = "sqlite", TIMEOUT = 2500 ]
            SCRIPTS_REMOTE_DIR=/var/tmp/one

            VM_MAD = [
                NAME           = "lxc",
                SUNSTONE_NAME  = "LXC",
                EXECUTABLE     = "one_vmm_exec",
                ARGUMENTS      = "-t 15 -r 0 lxc",
                TYPE           = "xml",
                KEEP_SNAPSHOTS = "no"
            ]

            TM_MAD = [
                EXECUTABLE = "one_tm",
                ARGUMENTS = "-t 15 -d dummy,lvm,shared,fs_lvm,fs_lvm_ssh,qcow2,ssh,ceph,dev,vcenter,iscsi_libvirt"
            ]
            """;

    static Path repo;

    @TempDir
    Path tmp;

    Path root;
    Path jar;
    Path onedConf;
    byte[] originalOnedConf;

    @BeforeAll
    static void locateRepo() {
        String prop = System.getProperty("onehaul.repo");
        Path p = (prop == null || prop.isBlank()) ? Path.of(System.getProperty("user.dir")) : Path.of(prop);
        repo = p.toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(repo.resolve("install.sh")), "install.sh not found in " + repo);
    }

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectories(tmp.resolve("root")).toRealPath();
        onedConf = Files.createDirectories(root.resolve("etc/one")).resolve("oned.conf");
        originalOnedConf = SAMPLE_ONED_CONF.getBytes(StandardCharsets.UTF_8);
        Files.write(onedConf, originalOnedConf);
        jar = tmp.resolve("fake-onehaul.jar");
        Files.writeString(jar, "not really a jar\n");
    }

    // ------------------------------------------------------------------ installing

    @Test
    void installsJarLauncherShimsHooksAndConfigWithExecBits() throws Exception {
        Result r = install();
        r.assertExit(0);

        Path lib = root.resolve("usr/lib/one/onehaul");
        assertArrayEquals(Files.readAllBytes(jar), Files.readAllBytes(lib.resolve("onehaul.jar")));
        assertArrayEquals(Files.readAllBytes(repo.resolve("bin/onehaul")),
                Files.readAllBytes(lib.resolve("bin/onehaul")));
        assertExecutableByAll(lib.resolve("bin/onehaul"));

        Path vmm = root.resolve("var/lib/one/remotes/vmm/lxc_live");
        assertEquals(allActions().collect(Collectors.toCollection(TreeSet::new)), names(vmm),
                "one shim per action, nothing else");
        for (String action : names(vmm)) {
            assertExecutableByAll(vmm.resolve(action));
        }

        assertTrue(Files.isRegularFile(root.resolve("var/lib/one/remotes/hooks/onehaul/README.md")));
        assertArrayEquals(Files.readAllBytes(repo.resolve("etc/onehaul.conf")),
                Files.readAllBytes(root.resolve("etc/one/onehaul.conf")));
        assertTrue(Files.isRegularFile(lib.resolve("install-manifest")));

        assertTrue(r.out.contains("onehost sync --force"), r.out);
        assertTrue(r.out.contains("restart oned"), r.out);
    }

    @Test
    void installedShimsPointAtTheLauncherInsideTheRoot() throws Exception {
        install().assertExit(0);

        String rootLine = "ONEHAUL_BIN=${ONEHAUL_BIN:-" + root + DEFAULT_BIN + "}";
        String defaultLine = "ONEHAUL_BIN=${ONEHAUL_BIN:-" + DEFAULT_BIN + "}";
        Path vmm = root.resolve("var/lib/one/remotes/vmm/lxc_live");
        for (String action : names(vmm)) {
            List<String> installed = Files.readAllLines(vmm.resolve(action));
            assertTrue(installed.contains(rootLine), action + " should contain " + rootLine);
            assertFalse(installed.contains(defaultLine), action);
            assertTrue(Files.readAllLines(repo.resolve("remotes/vmm/lxc_live").resolve(action)).contains(defaultLine),
                    "the source shim keeps the system default: " + action);
        }

        // End to end: installed shim -> installed launcher -> "java -jar <installed jar> vmm deploy ..."
        Path fakeJava = writeScript("fake-java", ARGS_ECHO);
        Result r = run(List.of(vmm.resolve("deploy").toString(), "/var/lib/one/vms/3/deployment.0", "h1", "3", "h1"),
                Map.of("JAVA", fakeJava.toString()), "PFZNPjwvVk0+");
        r.assertExit(0);
        List<String> args = echoedArgs(r.out);
        assertEquals("-jar", args.get(0));
        assertEquals(root.resolve("usr/lib/one/onehaul/onehaul.jar").toRealPath(), Path.of(args.get(1)).toRealPath());
        assertEquals(List.of("vmm", "deploy", "/var/lib/one/vms/3/deployment.0", "h1", "3", "h1"),
                args.subList(2, args.size()));
        assertEquals("PFZNPjwvVk0+", echoedStdin(r.out));
    }

    @Test
    void launcherFollowsSymlinksAndPassesJavaOptions() throws Exception {
        install().assertExit(0);
        Path link = Files.createDirectories(tmp.resolve("somewhere/bin")).resolve("onehaul");
        Files.createSymbolicLink(link, root.resolve("usr/lib/one/onehaul/bin/onehaul"));
        Path fakeJava = writeScript("fake-java", ARGS_ECHO);

        Result r = run(List.of(link.toString(), "version", "a b"),
                Map.of("JAVA", fakeJava.toString(), "ONEHAUL_JAVA_OPTS", "-Xmx64m -Dx=y"), "");
        r.assertExit(0);
        List<String> args = echoedArgs(r.out);
        assertEquals(List.of("-Xmx64m", "-Dx=y", "-jar"), args.subList(0, 3));
        assertEquals(root.resolve("usr/lib/one/onehaul/onehaul.jar").toRealPath(), Path.of(args.get(3)).toRealPath());
        assertEquals(List.of("version", "a b"), args.subList(4, args.size()));
    }

    @Test
    void onedConfGetsExactlyOneMarkedVmMadBlockAndABackupOfTheOriginal() throws Exception {
        install().assertExit(0);

        String conf = Files.readString(onedConf);
        assertTrue(conf.startsWith(SAMPLE_ONED_CONF.replace("iscsi_libvirt\"", "iscsi_libvirt,onehaul\"")),
                "the original text stays in place, untouched but for the TM_MAD -d list");
        List<String> lines = conf.lines().toList();
        assertEquals(1, lines.stream().filter(BEGIN::equals).count(), conf);
        assertEquals(1, lines.stream().filter(END::equals).count(), conf);
        String block = conf.substring(conf.indexOf(BEGIN), conf.indexOf(END) + END.length());

        assertMatches(block, "VM_MAD\\s*=\\s*\\[");
        assertMatches(block, "NAME\\s*=\\s*\"lxc_live\"");
        assertMatches(block, "SUNSTONE_NAME\\s*=\\s*\"LXC \\(live migration\\)\"");
        assertMatches(block, "EXECUTABLE\\s*=\\s*\"one_vmm_exec\"");
        assertMatches(block, "TYPE\\s*=\\s*\"xml\"");
        assertMatches(block, "KEEP_SNAPSHOTS\\s*=\\s*\"no\"");
        String localList = String.join(",", allActions().toList());
        assertMatches(block, "ARGUMENTS\\s*=\\s*\"" + Pattern.quote("-t 15 -r 0 lxc_live -l " + localList) + "\"");

        // every local action has a shim, and every shim is a local action
        Matcher m = Pattern.compile("-l ([a-z_,]+)\"").matcher(block);
        assertTrue(m.find());
        assertEquals(names(repo.resolve("remotes/vmm/lxc_live")), new TreeSet<>(Arrays.asList(m.group(1).split(","))));

        List<Path> backups = backups();
        assertEquals(1, backups.size(), backups.toString());
        assertArrayEquals(originalOnedConf, Files.readAllBytes(backups.get(0)));
    }

    @Test
    void secondRunChangesNothing() throws Exception {
        install().assertExit(0);
        byte[] afterFirst = Files.readAllBytes(onedConf);
        Map<String, String> treeAfterFirst = snapshot(root, true);

        Result second = install();
        second.assertExit(0);
        assertArrayEquals(afterFirst, Files.readAllBytes(onedConf), "oned.conf must be byte-identical");
        assertEquals(1, backups().size(), "no second backup");
        assertEquals(treeAfterFirst, snapshot(root, true));
        assertTrue(second.out.contains("left unchanged"), second.out);
    }

    @Test
    void anExistingOperatorConfigIsNeverOverwritten() throws Exception {
        Path conf = root.resolve("etc/one/onehaul.conf");
        Files.writeString(conf, "ssh.user = root\n");

        Result r = install();
        r.assertExit(0);
        assertEquals("ssh.user = root\n", Files.readString(conf));
        assertTrue(r.out.contains("kept"), r.out);

        install("--uninstall").assertExit(0);
        assertEquals("ssh.user = root\n", Files.readString(conf), "not ours: uninstall leaves it too");
    }

    @Test
    void outdatedBlockIsReplacedOnceWithABackup() throws Exception {
        install().assertExit(0);
        String current = Files.readString(onedConf);
        Files.writeString(onedConf, current.replace("-t 15 -r 0 lxc_live", "-t 4 -r 0 lxc_live"));

        Result r = install();
        r.assertExit(0);
        assertEquals(current, Files.readString(onedConf));
        assertEquals(2, backups().size());

        install("--uninstall").assertExit(0);
        assertArrayEquals(originalOnedConf, Files.readAllBytes(onedConf));
    }

    @Test
    void missingOnedConfPrintsTheBlockAndStillInstallsTheFiles() throws Exception {
        Files.delete(onedConf);
        Map<String, String> before = snapshot(root, false);

        Result r = install();
        r.assertExit(0);
        assertFalse(Files.exists(onedConf), "install.sh must not create oned.conf");
        assertTrue(r.out.contains("does not exist"), r.out);
        assertTrue(r.out.contains(BEGIN) && r.out.contains(END) && r.out.contains("lxc_live -l deploy,"), r.out);
        assertTrue(Files.isExecutable(root.resolve("var/lib/one/remotes/vmm/lxc_live/migrate")));

        install("--uninstall").assertExit(0);
        assertEquals(before, snapshot(root, false));
    }

    @Test
    void installWithoutNoChownWorksWhenThereIsNoOneadmin() throws Exception {
        Assumptions.assumeFalse(run(List.of("id", "-u", "oneadmin"), Map.of(), "").exit == 0,
                "a user oneadmin exists here");
        Result r = run(command("--root", root.toString(), "--jar", jar.toString()), Map.of(), "");
        r.assertExit(0);
        assertTrue(r.out.contains("no user oneadmin"), r.out);
    }

    // ------------------------------------------------------------------ the onehaul TM driver

    /** Shaped like the stock oned.conf: commented "-d" help, multi-line TM_MAD, DATASTORE_MAD, TM_MAD_CONFs. */
    static final String REALISTIC_ONED_CONF = """
            #*******************************************************************************
            # Transfer Manager Driver Configuration
            #*******************************************************************************
            #   arguments :
            #       -t: number of threads, i.e. number of transfers made at the same time
            #       -d: list of transfer drivers separated by commas, if not defined all the
            #           drivers available will be enabled
            #*******************************************************************************

            TM_MAD = [
                EXECUTABLE = "one_tm",
                ARGUMENTS = "-t 15 -d dummy,lvm,shared,fs_lvm,fs_lvm_ssh,qcow2,ssh,ceph,dev,vcenter,iscsi_libvirt"
            ]

            DATASTORE_MAD = [
                EXECUTABLE = "one_datastore",
                ARGUMENTS  = "-t 15 -d dummy,fs,lvm,ceph,dev,iscsi_libvirt,vcenter,restic,rsync -s shared,ssh,ceph"
            ]

            TM_MAD_CONF = [
                NAME = "ssh", LN_TARGET = "SYSTEM", CLONE_TARGET = "SYSTEM", SHARED = "NO",
                DS_MIGRATE = "YES", DRIVER = "raw", ALLOW_ORPHANS="FORMAT", TM_MAD_SYSTEM = "kvm,lxd",
                LN_TARGET_SSH = "SYSTEM", CLONE_TARGET_SSH = "SYSTEM", DISK_TYPE_SSH = "FILE"
            ]

            TM_MAD_CONF = [
                NAME = "local", LN_TARGET = "SYSTEM", CLONE_TARGET = "SYSTEM", SHARED = "NO",
                DS_MIGRATE = "YES", DS_LIVE_MIGRATE = "YES", ALLOW_ORPHANS="FORMAT"
            ]
            """;

    static final String TM_LINE =
            "    ARGUMENTS = \"-t 15 -d dummy,lvm,shared,fs_lvm,fs_lvm_ssh,qcow2,ssh,ceph,dev,vcenter,iscsi_libvirt\"";

    void useOnedConf(String text) throws IOException {
        originalOnedConf = text.getBytes(StandardCharsets.UTF_8);
        Files.write(onedConf, originalOnedConf);
    }

    @Test
    void theOnehaulTmIsRegisteredInTheBlockAndAddedToTheTmMadDriverListOnly() throws Exception {
        useOnedConf(REALISTIC_ONED_CONF);
        Result r = install();
        r.assertExit(0);
        assertTrue(r.out.contains("added \"onehaul\" to the TM_MAD -d list"), r.out);

        String conf = Files.readString(onedConf);
        String expectedHead = REALISTIC_ONED_CONF.replace(TM_LINE, TM_LINE.replace("iscsi_libvirt\"", "iscsi_libvirt,onehaul\""));
        assertTrue(conf.startsWith(expectedHead), "only the -d list of TM_MAD changed outside the block:\n" + conf);
        assertTrue(conf.contains("-d dummy,fs,lvm,ceph,dev,iscsi_libvirt,vcenter,restic,rsync -s shared,ssh,ceph\""),
                "DATASTORE_MAD is left alone");

        String block = conf.substring(conf.indexOf(BEGIN), conf.indexOf(END) + END.length());
        assertMatches(block, "TM_MAD_CONF\\s*=\\s*\\[");
        for (String attr : List.of("NAME\\s*=\\s*\"onehaul\"", "LN_TARGET\\s*=\\s*\"SYSTEM\"",
                "CLONE_TARGET\\s*=\\s*\"SYSTEM\"", "SHARED\\s*=\\s*\"NO\"", "DS_MIGRATE\\s*=\\s*\"YES\"",
                "DS_LIVE_MIGRATE\\s*=\\s*\"YES\"", "DS_MIGRATE_SNAP\\s*=\\s*\"NO\"", "ALLOW_ORPHANS\\s*=\\s*\"YES\"")) {
            assertMatches(block, attr);
        }

        byte[] afterFirst = Files.readAllBytes(onedConf);
        install().assertExit(0);
        assertArrayEquals(afterFirst, Files.readAllBytes(onedConf), "a second run adds onehaul no second time");
        assertEquals(1, backups().size());

        install("--uninstall").assertExit(0);
        assertArrayEquals(originalOnedConf, Files.readAllBytes(onedConf), "byte-identical to the original");
    }

    @Test
    void aTmListThatAlreadyNamedOnehaulIsNeitherChangedNorShortenedByUninstall() throws Exception {
        String mine = REALISTIC_ONED_CONF.replace("ssh,ceph,dev,", "ssh,onehaul,ceph,dev,");
        useOnedConf(mine);
        install().assertExit(0);
        assertTrue(Files.readString(onedConf).startsWith(mine), "the operator's list is kept as it is");
        install("--uninstall").assertExit(0);
        assertArrayEquals(originalOnedConf, Files.readAllBytes(onedConf));
    }

    @Test
    void onehaulRemovedFromTheListByHandIsAddedBackOnceAndUninstallStillRestoresTheOriginal() throws Exception {
        useOnedConf(REALISTIC_ONED_CONF);
        install().assertExit(0);
        String installed = Files.readString(onedConf);
        Files.writeString(onedConf, installed.replace("iscsi_libvirt,onehaul\"", "iscsi_libvirt\""));

        install().assertExit(0);
        assertEquals(installed, Files.readString(onedConf));
        install("--uninstall").assertExit(0);
        assertArrayEquals(originalOnedConf, Files.readAllBytes(onedConf));
    }

    @Test
    void aOneLineTmMadEntryWithMoreOptionsAfterTheListIsHandledToo() throws Exception {
        useOnedConf("PORT = 2633\nTM_MAD = [ EXECUTABLE = \"one_tm\", ARGUMENTS = \"-t 15 -d dummy,ssh -w 30\" ]");
        install().assertExit(0);
        assertTrue(Files.readString(onedConf).startsWith(
                "PORT = 2633\nTM_MAD = [ EXECUTABLE = \"one_tm\", ARGUMENTS = \"-t 15 -d dummy,ssh,onehaul -w 30\" ]\n"));
        install("--uninstall").assertExit(0);
        assertArrayEquals(originalOnedConf, Files.readAllBytes(onedConf), "no final newline, as before");
    }

    @Test
    void anOnedConfWithoutTmMadGetsTheBlockAndAWarningToAddTheTmByHand() throws Exception {
        useOnedConf("PORT = 2633\n");
        Result r = install();
        r.assertExit(0);
        assertTrue(r.err.contains("no TM_MAD entry") && r.err.contains("onehaul"), r.err);
        install("--uninstall").assertExit(0);
        assertArrayEquals(originalOnedConf, Files.readAllBytes(onedConf));
    }

    @Test
    void tmShimsAreInstalledExecutableAndPointAtTheLauncherInsideTheRoot() throws Exception {
        install().assertExit(0);
        Path tm = root.resolve("var/lib/one/remotes/tm/onehaul");
        assertEquals(names(repo.resolve("remotes/tm/onehaul")), names(tm));
        assertTrue(names(tm).containsAll(List.of("premigrate", "postmigrate", "failmigrate", "mv", "delete", "context",
                "mkimage", "mkswap", "clone", "ln")), names(tm).toString());
        String rootLine = "ONEHAUL_BIN=${ONEHAUL_BIN:-" + root + DEFAULT_BIN + "}";
        for (String action : names(tm)) {
            assertExecutableByAll(tm.resolve(action));
            assertTrue(Files.readAllLines(tm.resolve(action)).contains(rootLine), action);
        }

        // one_tm execs a transfer-file line with argv as written and empty stdin
        Path fakeJava = writeScript("fake-java", ARGS_ECHO);
        Result r = run(List.of(tm.resolve("mv").toString(), "h1:/var/lib/one//datastores/100/3",
                "h2:/var/lib/one//datastores/100/3", "3", "100"), Map.of("JAVA", fakeJava.toString()), "");
        r.assertExit(0);
        List<String> args = echoedArgs(r.out);
        assertEquals(List.of("tm", "mv", "h1:/var/lib/one//datastores/100/3", "h2:/var/lib/one//datastores/100/3", "3",
                "100"), args.subList(2, args.size()));

        install("--uninstall").assertExit(0);
        assertFalse(Files.exists(tm));
    }

    @Test
    void printConfShowsTheTmMadConfOfOnehaul() throws Exception {
        Result r = run(command("--root", root.toString(), "--print-conf"), Map.of(), "");
        r.assertExit(0);
        assertMatches(r.out, "TM_MAD_CONF\\s*=\\s*\\[\\s*NAME\\s*=\\s*\"onehaul\"");
    }

    @Test
    void hookShimsKeepTheirExecBitsAndPointAtTheLauncherInsideTheRootWhileTemplatesStayPlainFiles() throws Exception {
        Result installed = install();
        installed.assertExit(0);
        assertTrue(installed.out.contains("onehook create"), "the next steps say how to register the hooks: " + installed.out);
        Path hooks = root.resolve("var/lib/one/remotes/hooks/onehaul");
        assertEquals(names(repo.resolve("hooks")), names(hooks));
        String rootLine = "ONEHAUL_BIN=${ONEHAUL_BIN:-" + root + DEFAULT_BIN + "}";
        List<String> shims = new ArrayList<>();
        for (String name : names(hooks)) {
            Path f = hooks.resolve(name);
            if (Files.isExecutable(repo.resolve("hooks").resolve(name))) {
                shims.add(name);
                assertExecutableByAll(f);
                assertTrue(Files.readAllLines(f).contains(rootLine), name + " should contain " + rootLine);
            } else {
                assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), name);
                assertArrayEquals(Files.readAllBytes(repo.resolve("hooks").resolve(name)), Files.readAllBytes(f), name);
            }
        }
        assertEquals(List.of("host-leftovers", "migrate-audit", "placement-check", "sched-requirements"), shims);

        // onehem runs the shim directly, the payload on stdin: shim -> launcher -> java -jar <jar> hook ...
        Path fakeJava = writeScript("fake-java", ARGS_ECHO);
        Result r = run(List.of(hooks.resolve("placement-check").toString()), Map.of("JAVA", fakeJava.toString()),
                "PFZNPjwvVk0+");
        r.assertExit(0);
        List<String> args = echoedArgs(r.out);
        assertEquals(List.of("hook", "placement-check"), args.subList(2, args.size()));
        assertEquals("PFZNPjwvVk0+", echoedStdin(r.out));

        Result removed = install("--uninstall");
        removed.assertExit(0);
        assertFalse(Files.exists(hooks));
        assertTrue(removed.out.contains("onehook delete onehaul-host-leftovers onehaul-migrate-audit onehaul-placement-check"), removed.out);
    }

    @Test
    void printHooksPrintsEveryTemplateAndHowToRegisterItAndChangesNothing() throws Exception {
        Map<String, String> before = snapshot(root, false);
        Result r = run(command("--root", root.toString(), "--print-hooks"), Map.of(), "");
        r.assertExit(0);
        assertTrue(r.out.contains("for t in *.tmpl; do onehook create \"$t\"; done"), r.out);
        try (Stream<Path> s = Files.list(repo.resolve("hooks"))) {
            for (Path t : s.filter(p -> p.toString().endsWith(".tmpl")).toList()) {
                assertTrue(r.out.contains(Files.readString(t)), t + " printed verbatim");
            }
        }
        assertEquals(before, snapshot(root, false));
        assertArrayEquals(originalOnedConf, Files.readAllBytes(onedConf));
        assertTrue(run(command("--help"), Map.of(), "").out.contains("--print-hooks"));
        assertEquals(2, run(command("--print-hooks", "--uninstall"), Map.of(), "").exit);
    }

    // ------------------------------------------------------------------ uninstalling

    @Test
    void uninstallRestoresOnedConfAndRemovesEverythingItInstalled() throws Exception {
        Map<String, String> before = snapshot(root, false);
        install().assertExit(0);

        Result r = install("--uninstall");
        r.assertExit(0);
        assertArrayEquals(originalOnedConf, Files.readAllBytes(onedConf), "oned.conf byte-identical to the original");
        assertEquals(before, snapshot(root, true), "the tree equals the pre-install tree (backups aside)");
        assertFalse(backups().isEmpty(), "the backups are left for the operator");
        assertTrue(r.out.contains("restart oned"), r.out);
    }

    @Test
    void uninstallRoundTripsAnOnedConfWithoutFinalNewline() throws Exception {
        originalOnedConf = "PORT = 2633\nVM_MAD = [ NAME = \"lxc\" ]".getBytes(StandardCharsets.UTF_8);
        Files.write(onedConf, originalOnedConf);

        install().assertExit(0);
        List<String> lines = Files.readAllLines(onedConf);
        assertTrue(lines.contains("VM_MAD = [ NAME = \"lxc\" ]") && lines.contains(BEGIN), lines.toString());

        install("--uninstall").assertExit(0);
        assertArrayEquals(originalOnedConf, Files.readAllBytes(onedConf));
    }

    @Test
    void uninstallKeepsAConfigTheOperatorChangedAndSaysSo() throws Exception {
        Map<String, String> before = snapshot(root, false);
        install().assertExit(0);
        Path conf = root.resolve("etc/one/onehaul.conf");
        Files.writeString(conf, "ssh.port = 2222\n", java.nio.file.StandardOpenOption.APPEND);
        String changed = Files.readString(conf);

        Result r = install("--uninstall");
        r.assertExit(0);
        assertEquals(changed, Files.readString(conf));
        assertTrue(r.out.contains("kept " + conf), r.out);
        assertTrue(r.out.contains("changed"), r.out);

        Map<String, String> after = snapshot(root, true);
        after.remove("etc/one/onehaul.conf");
        assertEquals(before, after, "everything else is gone");
    }

    @Test
    void uninstallWithNothingInstalledFails() throws Exception {
        Map<String, String> before = snapshot(root, false);
        Result r = install("--uninstall");
        assertNotEquals(0, r.exit);
        assertTrue(r.err.contains("nothing to uninstall"), r.err);
        assertEquals(before, snapshot(root, false));
    }

    // ------------------------------------------------------------------ other modes and errors

    @Test
    void printConfPrintsTheBlockAndChangesNothing() throws Exception {
        Map<String, String> before = snapshot(root, false);
        Result r = run(command("--root", root.toString(), "--print-conf"), Map.of(), "");
        r.assertExit(0);
        List<String> lines = r.out.lines().toList();
        assertEquals(BEGIN, lines.get(0));
        assertEquals(END, lines.get(lines.size() - 1));
        assertTrue(r.out.contains("ARGUMENTS      = \"-t 15 -r 0 lxc_live -l deploy,shutdown,"), r.out);
        assertEquals(before, snapshot(root, false));
        assertArrayEquals(originalOnedConf, Files.readAllBytes(onedConf));
    }

    @Test
    void missingJarFailsClearlyAndChangesNothing() throws Exception {
        Map<String, String> before = snapshot(root, false);
        Path missing = tmp.resolve("no-such.jar");
        Result r = run(command("--root", root.toString(), "--jar", missing.toString(), "--no-chown"), Map.of(), "");
        assertNotEquals(0, r.exit);
        assertTrue(r.err.contains("jar not found") && r.err.contains(missing.toString()), r.err);
        assertEquals(before, snapshot(root, false));
    }

    @Test
    void badOptionFailsWithUsageAndChangesNothing() throws Exception {
        Map<String, String> before = snapshot(root, false);
        Result r = run(command("--root", root.toString(), "--frobnicate"), Map.of(), "");
        assertNotEquals(0, r.exit);
        assertTrue(r.err.contains("unknown option: --frobnicate"), r.err);
        assertTrue(r.err.contains("Usage:"), r.err);

        Result noValue = run(command("--root"), Map.of(), "");
        assertNotEquals(0, noValue.exit);
        assertTrue(noValue.err.contains("Usage:"), noValue.err);
        assertEquals(before, snapshot(root, false));
    }

    @Test
    void helpListsEveryOption() throws Exception {
        Result r = run(command("--help"), Map.of(), "");
        r.assertExit(0);
        for (String opt : List.of("Usage:", "--root", "--prefix", "--jar", "--oned-conf", "--print-conf", "--uninstall",
                "--no-chown")) {
            assertTrue(r.out.contains(opt), opt + " in " + r.out);
        }
    }

    // ------------------------------------------------------------------ the shims themselves

    static Stream<String> allActions() {
        return Stream.concat(IMPLEMENTED.stream(), NOT_SUPPORTED.stream());
    }

    @ParameterizedTest
    @MethodSource("allActions")
    void shimForwardsArgvUnchangedAndStdin(String action) throws Exception {
        Path shim = repo.resolve("remotes/vmm/lxc_live").resolve(action);
        assertTrue(Files.isExecutable(shim), shim + " must be executable");
        String text = Files.readString(shim);
        assertTrue(text.startsWith("#!/bin/sh\n"), action);
        assertTrue(text.contains("# argv:") && text.contains("# stdin:"), action + ": header documents argv and stdin");

        Path fake = writeScript("fake-onehaul", ARGS_ECHO);
        List<String> argv = List.of("one-3", "h 2", "it's", "say \"hi\"", "$HOME", "", "*", "back\\slash", "3", "h1");
        String stdin = "PFZNTV9EUklWRVJfQUNUSU9OX0RBVEE+PC9WTU1fRFJJVkVSX0FDVElPTl9EQVRBPg==";
        List<String> cmd = new ArrayList<>(List.of(shim.toString()));
        cmd.addAll(argv);

        Result r = run(cmd, Map.of("ONEHAUL_BIN", fake.toString()), stdin);
        r.assertExit(0);
        List<String> expected = new ArrayList<>(IMPLEMENTED.contains(action)
                ? List.of("vmm", action)
                : List.of("vmm", "not-supported", action));
        expected.addAll(argv);
        assertEquals(expected, echoedArgs(r.out));
        assertEquals(stdin, echoedStdin(r.out), "stdin forwarded byte for byte");
    }

    @Test
    void shimWorksWhenStartedTheWayOneVmmExecStartsLocalActions() throws Exception {
        // one_vmm_exec: /bin/sh -c "<script> 'p1' 'p2' ... <vmid> <host>" with cwd /var/lib/one
        Path fake = writeScript("fake-onehaul", ARGS_ECHO);
        Path shim = repo.resolve("remotes/vmm/lxc_live/migrate");
        String line = shim + " 'one-3' 'h2' 'h1' 3 h1";
        Result r = run(List.of("/bin/sh", "-c", line), Map.of("ONEHAUL_BIN", fake.toString()), "PFZNPjwvVk0+");
        r.assertExit(0);
        assertEquals(List.of("vmm", "migrate", "one-3", "h2", "h1", "3", "h1"), echoedArgs(r.out));
        assertEquals("PFZNPjwvVk0+", echoedStdin(r.out));
    }

    @Test
    void deployShimDocumentsTheLocalDeploymentFile() throws Exception {
        String text = Files.readString(repo.resolve("remotes/vmm/lxc_live/deploy"));
        assertTrue(text.contains("# argv:  <local deployment file> <host> <vmid> <host>"), text);
        assertTrue(text.contains("base64 of the deployment file (<VM> XML)"), text);
    }

    // ------------------------------------------------------------------ helpers

    /** Prints every argument as {@code <arg>} on its own line, then {@code stdin=} and stdin verbatim. */
    static final String ARGS_ECHO = """
            #!/bin/sh
            for a in "$@"; do printf '<%s>\\n' "$a"; done
            printf 'stdin='
            cat
            """;

    record Result(int exit, String out, String err) {
        void assertExit(int expected) {
            assertEquals(expected, exit, () -> "exit code\n--- stdout:\n" + out + "\n--- stderr:\n" + err);
        }
    }

    Result install(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--root", root.toString(), "--jar", jar.toString(), "--no-chown"));
        args.addAll(List.of(extra));
        return run(command(args.toArray(String[]::new)), Map.of(), "");
    }

    static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of("bash", repo.resolve("install.sh").toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    Result run(List<String> cmd, Map<String, String> env, String stdin) throws Exception {
        return run(tmp, cmd, env, stdin);
    }

    /** Runs {@code cmd} in {@code tmp} without the caller's ONEHAUL_ and ONE_LOCATION settings, plus {@code env}. */
    static Result run(Path tmp, List<String> cmd, Map<String, String> env, String stdin) throws Exception {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("ONEHAUL_BIN");
        pb.environment().remove("JAVA");
        pb.environment().remove("ONEHAUL_JAVA_OPTS");
        pb.environment().remove("ONE_LOCATION");
        pb.environment().putAll(env);
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("timed out: " + cmd);
        }
        Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    Path writeScript(String name, String text) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("fakes"));
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        return f;
    }

    static List<String> echoedArgs(String out) {
        String head = out.substring(0, out.indexOf("stdin="));
        List<String> args = new ArrayList<>();
        Matcher m = Pattern.compile("<(.*?)>\\n", Pattern.DOTALL).matcher(head);
        while (m.find()) {
            args.add(m.group(1));
        }
        return args;
    }

    static String echoedStdin(String out) {
        return out.substring(out.indexOf("stdin=") + "stdin=".length());
    }

    static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    List<Path> backups() throws IOException {
        try (Stream<Path> s = Files.list(onedConf.getParent())) {
            return s.filter(p -> p.getFileName().toString().startsWith(BACKUP_PREFIX)).sorted().toList();
        }
    }

    static void assertExecutableByAll(Path f) throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(f);
        assertTrue(perms.containsAll(Set.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE,
                PosixFilePermission.OTHERS_EXECUTE)), f + " " + PosixFilePermissions.toString(perms));
    }

    static void assertMatches(String text, String regex) {
        assertTrue(Pattern.compile(regex).matcher(text).find(), "/" + regex + "/ in\n" + text);
    }

    /** Every path below {@code dir} with its type, permissions and content digest. */
    static Map<String, String> snapshot(Path dir, boolean ignoreBackups) throws IOException {
        Map<String, String> tree = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.equals(dir)) {
                    continue;
                }
                String rel = dir.relativize(p).toString();
                if (ignoreBackups && p.getFileName().toString().startsWith(BACKUP_PREFIX)) {
                    continue;
                }
                String perms = PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                if (Files.isSymbolicLink(p)) {
                    tree.put(rel, "link -> " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    tree.put(rel, "dir " + perms);
                } else {
                    tree.put(rel, "file " + perms + " " + sha256(Files.readAllBytes(p)));
                }
            }
        }
        return tree;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
