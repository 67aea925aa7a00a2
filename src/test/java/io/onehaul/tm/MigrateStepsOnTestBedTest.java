package io.onehaul.tm;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.onehaul.testsupport.CounterContainer;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * premigrate, postmigrate and failmigrate of the onehaul TM on the test bed, run as one_vmm_exec runs
 * them around a live migration (sh -c, unquoted argv, base64 {@code <VM>} on stdin).
 */
@Tag("testbed")
class MigrateStepsOnTestBedTest extends TmOnTestBed {
    @RegisterExtension
    static WireMockExtension fakeOned = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @TempDir Path work;

    @BeforeEach
    void up() {
        bed(work);
    }

    @AfterEach
    void scrub() {
        scrubAll();
    }

    /** argv {@code <src> <dst> <new_sysdir> <vmid> <new_dsid>}; stdin the VM with its new placement. */
    Proc.Result step(String action, String src, String dst, TestVm target) {
        return oned.step(action, List.of(src, dst, target.sysdir(), "" + target.id(), "" + target.datastoreId()),
                OnedMessages.vm(target.onHost(dst, target.datastoreId(), 4)));
    }

    @Test
    void premigrate_to_a_host_that_resolves_nowhere_fails_with_a_readable_reason() {
        TestVm vm = newVm("h1", 100);
        Proc.Result r = step("premigrate", "h1", "nohost.invalid", vm);
        assertFailedWith(r, 1, "premigrate: ", "destination host nohost.invalid is not reachable",
                "does not resolve");
    }

    @Test
    void premigrate_creates_the_datastore_folder_on_the_destination_and_copies_nothing() {
        TestVm vm = newVm("h1", 131);
        fillFolder(vm);
        tb.exec("h2", "rmdir " + S + "/131");
        assertOk(step("premigrate", "h1", "h2", vm));
        assertTrue(exists("h2", S + "/131"), "the parent of new_sysdir exists on h2");
        assertFalse(exists("h2", vm.sysdir()), "the VMM migrate copies the disks, not premigrate");
        tb.exec("h2", "rmdir " + S + "/131");
    }

    @Test
    void premigrate_called_by_another_system_tm_does_nothing() {
        TestVm vm = newVm("h1", 100);
        Proc.Result r = oned.step("premigrate", List.of("h1", "nohost.invalid", vm.sysdir(), "" + vm.id(), "100", "ssh"),
                OnedMessages.vm(vm));
        assertOk(r);
    }

    @Test
    void postmigrate_removes_the_source_folder_after_a_live_migration() {
        TestVm vm = newVm("h1", 100);
        fillFolder(vm);
        assertOk(step("postmigrate", "h1", "h2", vm));
        assertFalse(exists("h1", vm.sysdir()));
        assertOk(step("postmigrate", "h1", "h2", vm));
    }

    @Test
    void postmigrate_refuses_while_the_container_still_runs_on_the_source() throws Exception {
        TestVm vm = deploy(newVmWithRoot("h1"));
        assertFailedWith(step("postmigrate", "h1", "h2", vm), 1, "refusing to remove", "RUNNING");
        assertTrue(exists("h1", vm.sysdir() + "/disk.0"));
        CounterContainer.advancing(tb, "h1", vm);
    }

    @Test
    void failmigrate_removes_what_the_failed_migration_left_on_the_destination() {
        TestVm vm = newVm("h2", 100);
        fillFolder(vm);
        assertOk(step("failmigrate", "h1", "h2", vm));
        assertFalse(exists("h2", vm.sysdir()));
        assertOk(step("failmigrate", "h1", "h2", vm));
    }

    @Test
    void failmigrate_refuses_when_the_container_runs_on_the_destination() throws Exception {
        TestVm vm = deploy(newVmWithRoot("h2"));
        assertFailedWith(step("failmigrate", "h1", "h2", vm), 1, "refusing to remove", "RUNNING");
        assertTrue(exists("h2", vm.sysdir() + "/disk.0"));
        CounterContainer.advancing(tb, "h2", vm);
    }

    @Test
    void postmigrate_of_a_datastore_only_migration_removes_the_previous_datastore_folder_oned_names()
            throws Exception {
        TestVm old = newVm("h1", 100);
        TestVm now = deploy(rootIn(same(old.onHost("h1", 102, 2))));
        fillFolder(old);
        fakeOnedSays(old.id(), 100, 102);

        assertOk(step("postmigrate", "h1", "h1", now));
        assertFalse(exists("h1", old.sysdir()), "the folder in the previous datastore is removed");
        assertTrue(exists("h1", now.sysdir() + "/disk.0"), "the folder the container runs from stays");
        CounterContainer.advancing(tb, "h1", now);
    }

    @Test
    void postmigrate_of_a_datastore_only_migration_never_removes_the_folder_the_container_runs_from()
            throws Exception {
        TestVm running = deploy(newVmWithRoot("h1"));
        TestVm target = same(running.onHost("h1", 102, 4));
        fakeOnedSays(running.id(), 100, 102);

        assertFailedWith(step("postmigrate", "h1", "h1", target), 1, "refusing to remove", running.sysdir());
        assertTrue(exists("h1", running.sysdir() + "/disk.0"));
        CounterContainer.advancing(tb, "h1", running);
    }

    /** one.vm.info replies with two HISTORY records: on h1 in datastore {@code before}, then {@code after}. */
    void fakeOnedSays(int vmid, int before, int after) throws Exception {
        String vm = "<VM><ID>" + vmid + "</ID><NAME>tm-" + vmid + "</NAME><HISTORY_RECORDS>"
                + "<HISTORY><SEQ>0</SEQ><HOSTNAME>h1</HOSTNAME><HID>7</HID><DS_ID>" + before + "</DS_ID></HISTORY>"
                + "<HISTORY><SEQ>1</SEQ><HOSTNAME>h1</HOSTNAME><HID>7</HID><DS_ID>" + after + "</DS_ID></HISTORY>"
                + "</HISTORY_RECORDS></VM>";
        String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<methodResponse>\r\n<params>\r\n"
                + "<param><value><array><data>\r\n<value><boolean>1</boolean></value>\r\n<value><string>"
                + vm.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "</string></value>\r\n"
                + "<value><i4>0</i4></value>\r\n</data></array></value></param>\r\n</params>\r\n</methodResponse>\r\n";
        fakeOned.stubFor(post(urlEqualTo("/RPC2")).withRequestBody(containing("one.vm.info"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-type", "text/xml").withBody(body)));
        Path auth = Files.writeString(work.resolve("one_auth"), "oneadmin:testpass\n");
        oned.withEnv("ONE_XMLRPC", fakeOned.baseUrl() + "/RPC2").withEnv("ONE_AUTH", auth.toString());
    }

    TestVm rootIn(TestVm vm) {
        CounterContainer.placeRootDisk(tb, vm, true);
        return vm;
    }

    TestVm newVmWithRoot(String host) {
        return rootIn(newVm(host, 100));
    }
}
