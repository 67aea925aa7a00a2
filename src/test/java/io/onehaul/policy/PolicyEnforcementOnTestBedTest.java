package io.onehaul.policy;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingXPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.onehaul.testsupport.CounterContainer.advancing;
import static io.onehaul.testsupport.CounterContainer.lxcState;
import static io.onehaul.testsupport.CounterContainer.placeRootDisk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.onehaul.policy.cert.CertifiedAttributes;
import io.onehaul.testsupport.CounterContainer;
import io.onehaul.testsupport.CounterContainer.Tick;
import io.onehaul.testsupport.DriverHarness;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.OnedMigrationHarness;
import io.onehaul.testsupport.OnedMigrationHarness.Outcome;
import io.onehaul.testsupport.Proc;
import io.onehaul.testsupport.TestBed;
import io.onehaul.testsupport.TmHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policy inside the migration path, on real LXC + CRIU: a regulated container (allowed in ES/DE,
 * organisation ACME) on h1 (ES) may go live to a compliant h2, and is refused before anything moves
 * when h2 is in the US — still running on h1, nothing written on h2, the refusal audited.
 */
@Tag("testbed")
class PolicyEnforcementOnTestBedTest {
    @RegisterExtension
    static WireMockExtension oned = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @TempDir Path work;
    TestBed tb;
    TestPki pki;
    DriverHarness driver;
    TestVm vm;
    TmHarness tm;

    @BeforeEach
    void setUp() throws Exception {
        tb = TestBed.get();
        pki = TestPki.create(work.resolve("pca"));
        Instant now = Instant.now();
        pki.publishCrl(now.minus(Duration.ofHours(1)), Duration.ofDays(7));
        Path auth = work.resolve("one_auth");
        Files.writeString(auth, "oneadmin:testpass\n");
        driver = DriverHarness.forTestBed(tb, work.resolve("fe"), Map.of(
                "policy.trust_anchor", pki.pca.certificateFile().toString(),
                "policy.crl", pki.pca.defaultCrlFile().toString()))
                .withEnv("ONE_XMLRPC", oned.baseUrl() + "/RPC2").withEnv("ONE_AUTH", auth.toString());
        tm = new TmHarness(driver, work.resolve("var"))
                .withEnv("ONE_XMLRPC", oned.baseUrl() + "/RPC2").withEnv("ONE_AUTH", auth.toString());
        vm = new TestVm(490 + (int) (System.nanoTime() % 9), "h1", 100, "", 2, tb.nicBridge(), "10.232.1.99",
                "/sbin/onehaul-counter");
    }

    @AfterEach
    void scrub() {
        if (tb == null) {
            return; // skipped: no test bed here
        }
        for (String h : tb.hosts()) {
            CounterContainer.scrub(tb, h, vm.deployed("one-" + vm.id()));
        }
    }

    /** oned's view: the VM with its certified regulation, h1 in ES and h2 in {@code h2Country}, both certified. */
    void onedServes(String h2Country) {
        onedServes(h2Country, true);
    }

    void onedServes(String h2Country, boolean regulated) {
        Instant now = Instant.now();
        String uuid = "4061760b-786c-46a9-94cd-2bf24c7f2e11";
        String cert = TestPki.base64(pki.issue(new CertifiedAttributes.Vm(vm.id(), uuid, "oneadmin", List.of("ES", "DE"),
                List.of("ACME")), now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(1))));
        if (regulated) {
            OnedMessages.regulate(vm.id(), "<COUNTRIES>ES,DE</COUNTRIES><ORGANIZATIONS>ACME</ORGANIZATIONS><CERTIFICATE>"
                    + cert + "</CERTIFICATE>");
        } else {
            OnedMessages.unregulate(vm.id());
        }
        String vmDoc = OnedMessages.vm(vm.deployed("one-" + vm.id()).onHost("h1", 100, 3));
        String h1 = host(7, "h1", "ES", now);
        String h2 = host(8, "h2", h2Country, now);
        oned.stubFor(post(urlEqualTo("/RPC2")).withRequestBody(matchingXPath("/methodCall/methodName[text()='one.vm.info']"))
                .willReturn(ok(OnedDocuments.reply(vmDoc))));
        oned.stubFor(post(urlEqualTo("/RPC2")).withRequestBody(matchingXPath("/methodCall/methodName[text()='one.hostpool.info']"))
                .willReturn(ok(OnedDocuments.reply(OnedDocuments.hostPool(h2, h1)))));
    }

    String host(int id, String name, String country, Instant now) {
        String doc = OnedDocuments.relocatedHost(OnedDocuments.host(), id, name, country);
        return OnedDocuments.withHostCertificate(doc, TestPki.base64(pki.issue(TestPki.hostAttributes(name, country,
                List.of("ACME")), now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(1)))));
    }

    static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder ok(byte[] body) {
        return aResponse().withStatus(200).withHeader("Content-type", "text/xml; charset=utf-8").withBody(body);
    }

    TestVm deployOnH1() throws Exception {
        placeRootDisk(tb, vm, true);
        Proc.Result r = driver.vmm("deploy", List.of("/var/lib/one/vms/" + vm.id() + "/deployment.0", "h1"), vm.id(), "h1",
                OnedMessages.vm(vm));
        assertEquals(0, r.exit(), "deploy on the compliant h1: " + r.stderr());
        TestVm running = vm.deployed("one-" + vm.id()).onHost("h1", 100, 3);
        advancing(tb, "h1", running);
        return running;
    }

    @Test
    void a_live_migration_to_a_non_compliant_host_is_refused_before_anything_moves() throws Exception {
        onedServes("US");
        TestVm running = deployOnH1();
        Tick before = advancing(tb, "h1", running);

        Outcome out = new OnedMigrationHarness(driver).liveMigrate(running, running.onHost("h2", 100, 3));

        assertFalse(out.success());
        assertTrue(out.reply().contains("COUNTRY_NOT_ALLOWED"), out.reply());
        assertEquals(List.of("tm premigrate", "tm failmigrate"), out.steps(), "refused at premigrate: migrate never ran");
        assertEquals("RUNNING", lxcState(tb, "h1", running.deployId()));
        assertEquals(before.bootId(), advancing(tb, "h1", running).bootId());
        assertEquals(1, tb.exec("h2", "test -e " + running.sysdir()).exit(), "nothing written on h2");
        String audit = Files.readString(work.resolve("fe/log/audit.jsonl"));
        assertTrue(audit.contains("\"event\":\"policy.decision\"") || audit.contains("placement.premigrate"), audit);
        assertTrue(audit.contains("\"decision\":\"DENY\""), audit);
    }

    @Test
    void the_vmm_migrate_refuses_too_when_the_datastore_tm_is_not_ours() throws Exception {
        onedServes("US");
        TestVm running = deployOnH1();
        TestVm target = running.onHost("h2", 100, 4);
        String msg = OnedMessages.message(target, "h1", "h2", 100, "", "MIGRATE ssh h1 h2 " + running.sysdir() + " "
                + vm.id() + " 100\n", running.sysdir());
        Proc.Result r = driver.vmm("migrate", List.of(running.deployId(), "h2", "h1"), vm.id(), "h1", msg);
        assertEquals(1, r.exit());
        assertTrue(r.stderr().contains("policy refuses VM " + vm.id() + " on h2"), r.stderr());
        assertEquals("RUNNING", lxcState(tb, "h1", running.deployId()));
        assertEquals(1, tb.exec("h2", "test -e " + running.sysdir()).exit());
    }

    @Test
    void a_live_migration_to_a_compliant_host_goes_ahead() throws Exception {
        onedServes("DE");
        TestVm running = deployOnH1();
        Tick before = advancing(tb, "h1", running);
        Outcome out = new OnedMigrationHarness(driver).liveMigrate(running, running.onHost("h2", 100, 3));
        assertTrue(out.success(), out.allStderr());
        assertEquals(before.bootId(), advancing(tb, "h2", running.onHost("h2", 100, 3)).bootId());
        assertTrue(Files.readString(work.resolve("fe/log/audit.jsonl")).contains("\"decision\":\"ALLOW\""));
    }

    @Test
    void a_cold_save_migration_to_a_non_compliant_host_is_refused_before_the_checkpoint() throws Exception {
        onedServes("US");
        TestVm running = deployOnH1();
        TestVm target = running.onHost("h2", 100, 7);
        String ck = running.sysdir() + "/checkpoint";
        Proc.Result save = driver.vmm("save", List.of(running.deployId(), ck, "h1"), vm.id(), "h1",
                OnedMessages.message(target, "h1", "", 100, ck, "", ""));
        assertEquals(1, save.exit());
        assertTrue(save.stderr().contains("COUNTRY_NOT_ALLOWED"), save.stderr());
        assertEquals("RUNNING", lxcState(tb, "h1", running.deployId()), "not checkpointed, not stopped");
        assertEquals(1, tb.exec("h1", "test -e " + ck).exit());
    }
    /** A line refused by the policy: exit 1, one plain reason line for oned, the tagged line for the VM log. */
    static void assertRefusedOn(Proc.Result r, String action, String host) {
        assertEquals(1, r.exit(), action + ": " + r.stderr());
        List<String> plain = r.stderr().lines().filter(l -> !l.matches("^(INFO|ERROR|WARN|DEBUG):.*")).toList();
        assertEquals(1, plain.size(), action + ": one plain line becomes oned's error text: " + r.stderr());
        assertTrue(plain.get(0).startsWith(action + ": policy refuses VM "), plain.get(0));
        assertTrue(plain.get(0).contains(" on " + host + ": ") && plain.get(0).contains("COUNTRY_NOT_ALLOWED"), plain.get(0));
        assertTrue(r.stderr().lines().anyMatch(l -> l.matches("^ERROR: \\d+ .*policy refuses.*")),
                "the refusal reaches the VM log: " + r.stderr());
    }

    long deniedOn(String host) throws Exception {
        return Files.readAllLines(work.resolve("fe/log/audit.jsonl")).stream()
                .filter(l -> l.contains("\"decision\":\"DENY\"") && l.contains("\"to\":\"" + host + "\"")).count();
    }

    @Test
    void a_deploy_to_a_non_compliant_host_writes_nothing_there_in_any_prolog_or_boot_step() throws Exception {
        onedServes("US");
        TestVm onH2 = vm.onHost("h2", 100, 1);
        String d = onH2.sysdir();
        String id = Integer.toString(vm.id());
        Path image = work.resolve("image.ext4");
        tb.buildImage(true, image);
        String fe = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        Path context = Files.writeString(work.resolve("context.sh"), "SECRET='only for ES or DE'\n");

        // PROLOG: transfer.0.prolog (each line on its own: any of them can come first for some VM)
        assertRefusedOn(tm.line("clone", fe + ":" + image, "h2:" + d + "/disk.0", id, "1"), "clone", "h2");
        assertRefusedOn(tm.line("ln", fe + ":" + image, "h2:" + d + "/disk.3", id, "1"), "ln", "h2");
        assertRefusedOn(tm.line("mkimage", "16", "raw", "h2:" + d + "/disk.1", id, "100"), "mkimage", "h2");
        assertRefusedOn(tm.line("mkswap", "16", "h2:" + d + "/disk.4", id, "100"), "mkswap", "h2");
        // BOOT: the DEPLOY message's TM_COMMAND (context), then the VMM deploy
        assertRefusedOn(tm.line("context", context.toString(), "h2:" + d + "/disk.2", id, "100"), "context", "h2");
        Proc.Result deploy = driver.vmm("deploy", List.of("/var/lib/one/vms/" + id + "/deployment.0", "h2"), vm.id(),
                "h2", OnedMessages.vm(vm.onHost("h2", 100, 2)));
        assertEquals(1, deploy.exit(), deploy.stderr());
        assertTrue(deploy.stderr().contains("COUNTRY_NOT_ALLOWED"), deploy.stderr());

        assertEquals(1, tb.exec("h2", "test -e " + d).exit(), "no VM data on h2: " + tb.exec("h2", "ls -lR " + d).stdout());
        assertEquals("", tb.execOk("h2", "ls /var/lib/lxc").stdout().strip().lines()
                .filter(n -> n.equals("one-" + id)).findAny().orElse(""), "no container defined on h2");
        assertEquals(6, deniedOn("h2"), "every refusal is audited as DENY");
    }

    @Test
    void the_same_prolog_and_boot_steps_go_ahead_on_a_compliant_host() throws Exception {
        onedServes("US");
        String d = vm.sysdir();
        String id = Integer.toString(vm.id());
        Path image = work.resolve("image.ext4");
        tb.buildImage(true, image);
        String fe = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        Path context = Files.writeString(work.resolve("context.sh"), "GREETING='hola'\n");

        assertEquals(0, tm.line("clone", fe + ":" + image, "h1:" + d + "/disk.0", id, "1").exit());
        assertEquals(0, tm.line("mkimage", "16", "raw", "h1:" + d + "/disk.1", id, "100").exit());
        Proc.Result ctx = tm.line("context", context.toString(), "h1:" + d + "/disk.2", id, "100");
        assertEquals(0, ctx.exit(), ctx.stderr());
        assertEquals(0, tb.exec("h1", "test -f " + d + "/disk.0 && test -f " + d + "/disk.1 && test -f "
                + d + "/disk.2/context.sh").exit());
        String audit = Files.readString(work.resolve("fe/log/audit.jsonl"));
        assertEquals(3, audit.lines().filter(l -> l.contains("\"decision\":\"ALLOW\"")
                && l.contains("\"code\":\"COMPLIANT\"")).count(), audit);
    }

    @Test
    void a_resume_to_a_non_compliant_host_writes_nothing_there() throws Exception {
        // A stopped VM's folder waits on the front-end; `onevm resume` lets the scheduler pick a host, and oned
        // runs PROLOG_RESUME (MV lines from the front-end), then RESTORE (context TM_COMMAND + restore).
        onedServes("US");
        TestVm onH2 = vm.onHost("h2", 100, 21);
        String d = onH2.sysdir();
        String id = Integer.toString(vm.id());
        String fe = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        Path context = Files.writeString(work.resolve("context.sh"), "SECRET='only for ES or DE'\n");

        Proc.Result diskLine = tm.line("mv", fe + ":" + d + "/disk.0", "h2:" + d + "/disk.0", id, "1");
        assertEquals(0, diskLine.exit(), "a disk line moves nothing by itself: " + diskLine.stderr());
        assertRefusedOn(tm.line("mv", fe + ":" + d, "h2:" + d, id, "100"), "mv", "h2");
        assertRefusedOn(tm.line("context", context.toString(), "h2:" + d + "/disk.2", id, "100"), "context", "h2");
        String ck = d + "/checkpoint";
        Proc.Result restore = driver.vmm("restore", List.of(ck, "h2", "one-" + id), vm.id(), "h2",
                OnedMessages.message(onH2.deployed("one-" + id), "h2", "", 100, ck, "CONTEXT onehaul ...", d + "/disk.2"));
        assertEquals(1, restore.exit(), restore.stderr());
        assertTrue(restore.stderr().contains("COUNTRY_NOT_ALLOWED"), restore.stderr());

        assertEquals(1, tb.exec("h2", "test -e " + d).exit(), "no VM data on h2");
        assertEquals(3, deniedOn("h2"));
    }
    @Test
    void an_unregulated_vm_may_go_anywhere_and_every_guarded_step_is_audited_as_allowed() throws Exception {
        // found under a real oned: such deploys and migrations went through but were audited as DENY
        // INTERNAL_ERROR "host facts"; the audit log must say what happened
        onedServes("US", false);
        String id = Integer.toString(vm.id());
        Path context = Files.writeString(work.resolve("context.sh"), "GREETING='hola'\n");
        Proc.Result ctx = tm.line("context", context.toString(), "h1:" + vm.sysdir() + "/disk.2", id, "100");
        assertEquals(0, ctx.exit(), ctx.stderr());
        TestVm running = deployOnH1();

        Outcome out = new OnedMigrationHarness(driver).liveMigrate(running, running.onHost("h2", 100, 3));

        assertTrue(out.success(), out.allStderr());
        List<String> records = Files.readAllLines(work.resolve("fe/log/audit.jsonl"));
        for (String step : List.of("context", "deploy", "premigrate", "migrate")) {
            assertTrue(records.stream().anyMatch(r -> r.contains("\"event\":\"placement." + step + "\"")),
                    step + " is audited: " + records);
        }
        for (String r : records) {
            assertTrue(r.contains("\"decision\":\"ALLOW\"") && r.contains("\"code\":\"NO_REGULATION_ALLOWED\""), r);
        }
    }
}
