package io.onehaul.vmm;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingXPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.onehaul.testsupport.CounterContainer.advancing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.onehaul.hooks.RpcCall;
import io.onehaul.policy.OnedDocuments;
import io.onehaul.testsupport.DriverHarness;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import io.onehaul.testsupport.OnedMigrationHarness;
import io.onehaul.testsupport.OnedMigrationHarness.Outcome;
import io.onehaul.testsupport.TestBed;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What an operator watching `onevm show` sees while a live migration crosses the WAN: the driver merges the
 * ONEHAUL_MIGRATION_* attributes into the VM's USER_TEMPLATE through oned as the migration goes (pre-sync
 * bytes included), and marks it done at the end. oned is simulated; hosts, copies and CRIU are real.
 */
@Tag("testbed")
class ProgressOnTestBedTest extends ContainersOnTestBed {
    private static final int VMID = 700;
    private static final Pattern ATTRIBUTE = Pattern.compile("(ONEHAUL_MIGRATION_[A-Z]+) = \"((?:[^\"\\\\]|\\\\.)*)\"");

    @RegisterExtension
    static WireMockExtension fakeOned = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @Test
    void a_relayed_migration_publishes_its_phases_and_pre_sync_bytes_as_vm_attributes_and_ends_done() throws Exception {
        Path auth = work.resolve("one_auth");
        Files.writeString(auth, "oneadmin:testpass\n");
        oned = DriverHarness.forTestBed(tb, work.resolve("fe"))
                .withEnv("ONE_XMLRPC", fakeOned.baseUrl() + "/RPC2").withEnv("ONE_AUTH", auth.toString());
        migrate = new OnedMigrationHarness(oned);
        OnedMessages.userAttribute(VMID, "ONEHAUL_MIGRATION_STRATEGIES", "streamed");
        TestVm placed = counterVmOnH1(VMID, true);
        // a data disk of 64 MiB beside the rootfs: ~6 s of pre-sync over the WAN, longer than the 3 s between updates
        tb.execOk("h1", "head -c 64M /dev/urandom > " + placed.sysdir() + "/disk.1");
        onedAnswers(placed.deployed("one-" + VMID).onHost("h1", 100, 3));   // before deploy: its policy check asks
        TestVm vm = deployOnH1(placed);

        Outcome out = migrate.liveMigrate(vm, vm.onHost(TestBed.REMOTE, 100, 3));
        assertEquals("MIGRATE SUCCESS " + vm.id() + " -", out.reply(), out.allStderr());
        advancing(tb, TestBed.REMOTE, vm.onHost(TestBed.REMOTE, 100, 3));

        List<RpcCall> updates = fakeOned.getAllServeEvents().stream()
                .sorted(Comparator.comparing(e -> e.getRequest().getLoggedDate()))
                .map(e -> RpcCall.parse(e.getRequest().getBodyAsString()))
                .filter(c -> c.method().equals("one.vm.update")).toList();
        assertTrue(updates.size() >= 4, "phases were published: " + updates + "\n" + out.allStderr());
        for (RpcCall c : updates) {
            assertEquals(VMID, c.params().get(0));
            assertEquals(1, c.params().get(2), "merge: the rest of the user template stays");
        }
        List<String> phases = updates.stream().map(c -> attribute(c, "ONEHAUL_MIGRATION_PHASE")).distinct().toList();
        assertTrue(phases.containsAll(List.of("preflight", "pre-sync", "freeze", "restore")), phases.toString());
        assertTrue(updates.stream().anyMatch(c -> attribute(c, "ONEHAUL_MIGRATION_PROGRESS").matches("\\d+ MiB of \\d+ MiB \\(\\d+%\\)")),
                "pre-sync bytes: " + updates);
        RpcCall last = updates.get(updates.size() - 1);
        assertEquals("done", attribute(last, "ONEHAUL_MIGRATION_STATE"));
        assertTrue(attribute(last, "ONEHAUL_MIGRATION_RESULT").startsWith("migration success: streamed h1 -> h3"),
                attribute(last, "ONEHAUL_MIGRATION_RESULT"));
    }

    private static String attribute(RpcCall update, String name) {
        Matcher m = ATTRIBUTE.matcher((String) update.params().get(1));
        while (m.find()) {
            if (m.group(1).equals(name)) {
                return m.group(2);
            }
        }
        return "";
    }

    /** oned's side: the VM (no regulation), the hosts, and every one.vm.update taken (recorded reply of 7.5.80). */
    private static void onedAnswers(TestVm vm) throws Exception {
        OnedMessages.unregulate(vm.id());
        String h1 = OnedDocuments.relocatedHost(OnedDocuments.host(), 7, "h1", "ES");
        String h3 = OnedDocuments.relocatedHost(OnedDocuments.host(), 9, TestBed.REMOTE, "ES");
        stub("one.vm.info", OnedDocuments.reply(OnedMessages.vm(vm)));
        stub("one.hostpool.info", OnedDocuments.reply(OnedDocuments.hostPool(h1, h3)));
        try (InputStream in = ProgressOnTestBedTest.class.getResourceAsStream(
                "/fixtures/oned-7.5.80/xmlrpc/one.vm.update.merge.response.xml")) {
            stub("one.vm.update", in.readAllBytes());
        }
    }

    private static void stub(String method, byte[] reply) {
        fakeOned.stubFor(post(urlEqualTo("/RPC2")).withRequestBody(matchingXPath("/methodCall/methodName[text()='" + method + "']"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-type", "text/xml; charset=utf-8").withBody(reply)));
    }
}
