package io.onehaul.progress;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.github.tomakehurst.wiremock.common.ConsoleNotifier;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.onehaul.hooks.RpcCall;
import io.onehaul.log.VmLogContext;
import io.onehaul.oned.OnedEndpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * The VM attributes reach oned as {@code one.vm.update(vmid, template, 1)}, and oned's trouble never reaches
 * the migration: against a WireMock oned that answers with the replies a real oned 7.5.80 gave.
 */
class OnedProgressTest {
    private static final String FIXTURES = "/fixtures/oned-7.5.80/xmlrpc/";
    private static final long MIB = 1 << 20;

    @RegisterExtension
    static WireMockExtension oned = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().notifier(new ConsoleNotifier(false))).build();

    private final FakeClock clock = new FakeClock("2026-11-27T12:00:00Z");
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(OnedProgress.class);

    @BeforeEach
    void watchTheLog() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void stopWatching() {
        logger.detachAppender(logged);
    }

    private static byte[] recorded(String name) {
        try (InputStream in = OnedProgressTest.class.getResourceAsStream(FIXTURES + name + ".response.xml")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void onedAnswers(String recordedReply, int delayMillis) {
        oned.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)
                .withHeader("Content-type", "text/xml; charset=utf-8").withBody(recorded(recordedReply))
                .withFixedDelay(delayMillis)));
    }

    private MigrationProgress progressFor(int vmid, String url) {
        return OnedProgress.forVm(vmid, OnedEndpoint.of(url, "oneadmin:onepass"), clock);
    }

    private static List<RpcCall> received() {
        return oned.getAllServeEvents().stream()
                .sorted(Comparator.comparing(e -> e.getRequest().getLoggedDate()))
                .map(e -> RpcCall.parse(e.getRequest().getBodyAsString())).toList();
    }

    /** The sender works on its own thread: wait (bounded) until oned has seen {@code n} calls. */
    private static List<RpcCall> awaitReceived(int n) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (received().size() < n && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        return received();
    }

    private List<String> warnings() {
        return logged.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void eachNoteIsAMergeOfTheFlatAttributesIntoTheVmsUserTemplate() throws Exception {
        onedAnswers("one.vm.update.merge", 0);
        MigrationProgress progress = progressFor(42, oned.baseUrl() + "/RPC2");

        progress.phase("pre-sync", 412 * MIB, 1024 * MIB);
        RpcCall first = awaitReceived(1).get(0);
        progress.done("migration success: stop-and-copy h1 -> h2, freeze 1.20 s");

        List<RpcCall> calls = received();
        assertEquals(2, calls.size(), "the phase, then the outcome, which done() waited for");
        for (RpcCall c : calls) {
            assertEquals("one.vm.update", c.method());
            assertEquals("oneadmin:onepass", c.session());
            assertEquals(42, c.params().get(0), "the VM id as an <i4>");
            assertEquals(1, c.params().get(2), "merge mode: the int 1, so the rest of USER_TEMPLATE stays");
        }
        assertEquals(Map.of(
                "ONEHAUL_MIGRATION_STATE", "running",
                "ONEHAUL_MIGRATION_PHASE", "pre-sync",
                "ONEHAUL_MIGRATION_PROGRESS", "412 MiB of 1024 MiB (40%)",
                "ONEHAUL_MIGRATION_RESULT", "",
                "ONEHAUL_MIGRATION_UPDATED", "2026-11-27T12:00:00Z"), OnedTemplateReader.read((String) first.params().get(1)));
        Map<String, String> end = OnedTemplateReader.read((String) calls.get(1).params().get(1));
        assertEquals("done", end.get(ProgressNote.STATE));
        assertEquals("pre-sync", end.get(ProgressNote.PHASE), "the last phase reached");
        assertEquals("migration success: stop-and-copy h1 -> h2, freeze 1.20 s", end.get(ProgressNote.RESULT));
        assertEquals(List.of(), warnings());
    }

    @Test
    void anOnedThatRefusesTheUpdateIsWarnedAboutOnceAndThenLeftAlone() throws Exception {
        onedAnswers("one.vm.info.fail-auth-wrong-password", 0); // an API failure: [false, "...", 256, ...]
        MigrationProgress progress = progressFor(42, oned.baseUrl() + "/RPC2");

        progress.phase("preflight");
        awaitReceived(1);
        awaitWarning();
        progress.phase("pre-sync", 1, 10);
        progress.phase("freeze");
        progress.failed("not migrated, still running on h1: no room on h2");

        assertEquals(1, received().size(), "after the first refusal nothing more is sent");
        assertEquals(1, warnings().size(), warnings().toString());
        assertTrue(warnings().get(0).contains("VM 42") && warnings().get(0).contains("User couldn't be authenticated")
                && warnings().get(0).contains("the migration itself goes on"), warnings().get(0));
        assertEquals("42", logged.list.get(0).getMDCPropertyMap().get(VmLogContext.MDC_VMID),
                "logged from the sender's thread, yet tagged with the VM, so that it reaches the VM log");
    }

    @Test
    void anOnedThatIsNotThereChangesNothingForTheMigration() throws Exception {
        MigrationProgress progress = progressFor(42, "http://127.0.0.1:1/RPC2"); // nothing listens on port 1

        long t0 = System.nanoTime();
        progress.phase("preflight");
        awaitWarning();
        progress.phase("pre-sync", 5 * MIB, 10 * MIB);
        progress.failed("not migrated, still running on h1: h2 unreachable");

        assertTrue(Duration.ofNanos(System.nanoTime() - t0).compareTo(OnedProgress.FINAL_WAIT) < 0);
        assertEquals(1, warnings().size(), warnings().toString());
        assertTrue(warnings().get(0).contains("cannot reach oned"), warnings().get(0));
    }

    @Test
    void aSlowOnedNeverHoldsUpAPhaseAndTheEndWaitsOnlyForItsOwnNote() throws Exception {
        onedAnswers("one.vm.update.merge", 1000);
        MigrationProgress progress = progressFor(7, oned.baseUrl() + "/RPC2");

        long t0 = System.nanoTime();
        progress.phase("preflight");
        progress.phase("pre-sync", 0, 100 * MIB);
        progress.phase("freeze");
        progress.phase("restore");
        Duration phases = Duration.ofNanos(System.nanoTime() - t0);
        progress.done("migration success");
        Duration total = Duration.ofNanos(System.nanoTime() - t0);

        assertTrue(phases.toMillis() < 500, "four phases reported while oned takes 1 s per call: " + phases);
        assertTrue(total.compareTo(OnedProgress.FINAL_WAIT) < 0, "done() waited " + total);
        List<RpcCall> calls = received();
        assertEquals("done", OnedTemplateReader.read((String) calls.get(calls.size() - 1).params().get(1))
                .get(ProgressNote.STATE), "the outcome went last");
        assertTrue(calls.size() < 5, "notes overtaken while oned was busy were dropped, not queued: " + calls.size());
    }

    private void awaitWarning() throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (warnings().isEmpty() && System.nanoTime() < until) {
            Thread.sleep(20);
        }
    }
}
