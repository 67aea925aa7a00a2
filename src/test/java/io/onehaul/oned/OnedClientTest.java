package io.onehaul.oned;

import static com.github.tomakehurst.wiremock.client.WireMock.binaryEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingXPath;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.onehaul.oned.OnedFixtures.PATH;
import static io.onehaul.oned.OnedFixtures.RECORDED_SESSION;
import static io.onehaul.oned.OnedFixtures.bytes;
import static io.onehaul.oned.OnedFixtures.serve;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.onehaul.opennebula.HistoryRecord;
import io.onehaul.opennebula.HostXml;
import io.onehaul.opennebula.VmXml;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The typed calls against the recorded oned 7.5.80 replies, and the exact requests they send. */
class OnedClientTest {

    @RegisterExtension
    static WireMockExtension oned = OnedFixtures.server();

    private final OnedClient client = OnedFixtures.client(oned, RECORDED_SESSION);

    /** Our request must be byte-identical to the recorded one that oned accepted. */
    private static void verifySentExactly(String name) {
        oned.verify(exactly(1), postRequestedFor(urlEqualTo(PATH))
                .withHeader("Content-Type", equalTo("text/xml"))
                .withRequestBody(binaryEqualTo(bytes(name + ".request.xml"))));
    }

    @Test
    void systemVersionReturnsTheVersionAndSendsNothingButTheSession() {
        serve(oned, "one.system.version", "one.system.version");

        assertEquals("7.5.80", client.systemVersion());

        verifySentExactly("one.system.version");
        oned.verify(postRequestedFor(urlEqualTo(PATH))
                .withRequestBody(matchingXPath("/methodCall/params[count(param)=1]"))
                .withRequestBody(matchingXPath("/methodCall/params/param[1]/value[text()='" + RECORDED_SESSION + "']")));
    }

    @Test
    void vmInfoOfARunningVmShowsItOnH1WithOneHistoryRecord() {
        serve(oned, "one.vm.info", "one.vm.info.running-h1");

        VmXml vm = client.vmInfo(4);

        assertEquals(4, vm.id());
        assertEquals("fx-regvm", vm.name());
        assertEquals(3, vm.state(), "ACTIVE");
        assertEquals(3, vm.lcmState(), "RUNNING");
        assertEquals("one-4", vm.deployId());
        assertEquals(1, vm.history().size());
        HistoryRecord h = vm.currentHistory().orElseThrow();
        assertEquals("h1", h.hostname());
        assertEquals(7, h.hostId());
        assertEquals(100, h.datastoreId());
        assertEquals("probe", h.vmMad());
        assertEquals("probetm", h.tmMad());
        verifySentExactly("one.vm.info.running-h1");
    }

    @Test
    void vmInfoSendsTheIdAsAnI4AfterTheSession() {
        serve(oned, "one.vm.info", "one.vm.info.running-h1");

        client.vmInfo(4);

        oned.verify(postRequestedFor(urlEqualTo(PATH))
                .withRequestBody(matchingXPath("/methodCall/methodName[text()='one.vm.info']"))
                .withRequestBody(matchingXPath("/methodCall/params[count(param)=2]"))
                .withRequestBody(matchingXPath("/methodCall/params/param[1]/value[not(*)][text()='" + RECORDED_SESSION + "']"))
                .withRequestBody(matchingXPath("/methodCall/params/param[2]/value/i4[text()='4']")));
    }

    @Test
    void vmInfoAfterALiveMigrationHasTwoRecordsWithH2Last() {
        serve(oned, "one.vm.info", "one.vm.info.running-h2-after-live-migrate");

        VmXml vm = client.vmInfo(4);

        assertEquals(3, vm.lcmState());
        assertEquals(2, vm.history().size());
        HistoryRecord source = vm.previousHistory().orElseThrow();
        HistoryRecord current = vm.currentHistory().orElseThrow();
        assertEquals("h1", source.hostname());
        assertEquals(2, source.action(), "live-migrate");
        assertTrue(source.endTime() > 0, "the source record is closed");
        assertEquals("h2", current.hostname());
        assertEquals(8, current.hostId());
        assertEquals(0, current.action());
    }

    @Test
    void vmInfoKeepsVectorAttributesOfTheUserTemplate() {
        serve(oned, "one.vm.info", "one.vm.info.running-h1");

        VmXml vm = client.vmInfo(4);

        assertEquals("ES,DE", vm.userAttribute("REGULATION", "COUNTRIES"));
        assertEquals("ACME", vm.userAttribute("REGULATION", "ORGANIZATIONS"));
    }

    @Test
    void vmPoolInfoReturnsShortBodiesThatLackVectorUserAttributes() {
        serve(oned, "one.vmpool.info", "one.vmpool.info.all");

        List<VmXml> vms = client.vmPoolInfo(OnedClient.POOL_ALL, -1, -1, OnedClient.VM_STATE_NOT_DONE);

        assertEquals(List.of(5, 4, 1, 0), vms.stream().map(VmXml::id).toList());
        VmXml vm4 = vms.get(1);
        assertEquals("fixture", vm4.userAttribute("LABELS"), "single attributes survive");
        assertEquals("", vm4.userAttribute("REGULATION", "COUNTRIES"), "REGULATION is dropped from the short body");
        assertEquals(1, vm4.history().size(), "only the last record");
        assertEquals("h1", vm4.currentHistory().orElseThrow().hostname());
        verifySentExactly("one.vmpool.info.all");
    }

    @Test
    void vmPoolInfoExtendedReturnsFullBodiesWithVectorUserAttributes() {
        serve(oned, "one.vmpool.infoextended", "one.vmpool.infoextended.all");

        List<VmXml> vms = client.vmPoolInfoExtended(OnedClient.POOL_ALL, -1, -1, OnedClient.VM_STATE_NOT_DONE);

        assertEquals(List.of(5, 4, 1, 0), vms.stream().map(VmXml::id).toList());
        assertEquals("PT", vms.get(1).userAttribute("REGULATION", "COUNTRIES"));
        assertEquals("fixture", vms.get(1).userAttribute("LABELS"));
        verifySentExactly("one.vmpool.infoextended.all");
    }

    @Test
    void hostInfoOfH1CarriesTheCountrySetWithHostUpdate() {
        serve(oned, "one.host.info", "one.host.info.h1");

        HostXml h1 = client.hostInfo(7);

        assertEquals(7, h1.id());
        assertEquals("h1", h1.name());
        assertEquals(2, h1.state(), "MONITORED");
        assertEquals("probe", h1.vmMad());
        assertEquals("ES", h1.templateAttribute("COUNTRY"));
        assertEquals("ACME", h1.templateAttribute("ORGANIZATIONS"));
        verifySentExactly("one.host.info.h1");
    }

    @Test
    void hostPoolInfoReturnsAllEightHostsInOnedsOrder() {
        serve(oned, "one.hostpool.info", "one.hostpool.info");

        List<HostXml> hosts = client.hostPoolInfo();

        assertEquals(8, hosts.size());
        assertEquals(List.of(8, 7, 6, 5, 4, 3, 2, 1), hosts.stream().map(HostXml::id).toList());
        assertEquals("ES", hosts.get(1).templateAttribute("COUNTRY"));
        verifySentExactly("one.hostpool.info");
    }

    @Test
    void hostByNameFindsTheHostInThePool() {
        serve(oned, "one.hostpool.info", "one.hostpool.info");

        HostXml h2 = client.hostByName("h2");

        assertEquals(8, h2.id());
        assertEquals("h2", h2.name());
    }

    @Test
    void hostByNameOfAnUnknownHostIsNotFoundWithNoExistsCode() {
        serve(oned, "one.hostpool.info", "one.hostpool.info");

        OnedException e = assertThrows(OnedException.class, () -> client.hostByName("h9"));

        assertEquals(OnedException.Kind.NOT_FOUND, e.kind());
        assertEquals(OnedException.NO_EXISTS, e.code());
        assertTrue(e.isNotFound());
        assertTrue(e.getMessage().contains("'h9'") && e.getMessage().contains("8 hosts"), e.getMessage());
        OnedFixtures.assertOperatorReadable(e, "one.hostpool.info", RECORDED_SESSION);
    }

    @Test
    void vmUpdateInMergeModeSendsAppendAsTheInt1AndReturnsTheVmId() {
        serve(oned, "one.vm.update", "one.vm.update.merge");

        int id = client.vmUpdate(4, "REGULATION = [\n  COUNTRIES = \"PT\" ]\nLABELS = \"fixture\"\n", true);

        assertEquals(4, id);
        verifySentExactly("one.vm.update.merge");
        oned.verify(postRequestedFor(urlEqualTo(PATH))
                .withRequestBody(matchingXPath("/methodCall/params[count(param)=4]"))
                .withRequestBody(matchingXPath("/methodCall/params/param[2]/value/i4[text()='4']"))
                .withRequestBody(matchingXPath("/methodCall/params/param[3]/value[not(*)][contains(text(),'COUNTRIES')]"))
                .withRequestBody(matchingXPath("/methodCall/params/param[4]/value/i4[text()='1']")));
    }

    @Test
    void vmUpdateInReplaceModeSendsAppendAsTheInt0() {
        serve(oned, "one.vm.update", "one.vm.update.replace");

        int id = client.vmUpdate(4, "REGULATION = [\n  COUNTRIES = \"ES,FR\",\n  ORGANIZATIONS = \"ACME,GLOBEX\" ]\n", false);

        assertEquals(4, id);
        verifySentExactly("one.vm.update.replace");
        oned.verify(postRequestedFor(urlEqualTo(PATH))
                .withRequestBody(matchingXPath("/methodCall/params/param[4]/value/i4[text()='0']")));
    }

    @Test
    void hostUpdateInMergeModeSendsTheTemplateAndAppendAsInt1() {
        serve(oned, "one.host.update", "one.host.update.append");

        int id = client.hostUpdate(7, "COUNTRY = \"ES\"\nORGANIZATIONS = \"ACME\"\n", true);

        assertEquals(7, id);
        verifySentExactly("one.host.update.append");
    }

    @Test
    void fixtureRepliesReachTheClientWithTheirCrlfLineEnds() {
        byte[] body = bytes("one.system.version.response.xml");
        assertTrue(new String(body).contains("\r\n"), "the recorded body has CRLF line ends");
        assertFalse(new String(body).replace("\r\n", "").contains("\n"), "and only CRLF");
    }

    @Test
    void toStringNamesEndpointAndUserButNotThePassword() {
        String s = client.toString();
        assertTrue(s.contains(OnedFixtures.url(oned)) && s.contains("oneadmin"), s);
        assertFalse(s.contains("onepass"), s);
    }
}
