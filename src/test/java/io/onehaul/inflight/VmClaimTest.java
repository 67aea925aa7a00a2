package io.onehaul.inflight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.cli.CliEnvironment;
import io.onehaul.cli.OneHaul;
import io.onehaul.testsupport.OnedMessages;
import io.onehaul.testsupport.OnedMessages.TestVm;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One action at a time per VM: a second migrate, save or restore is refused before it touches anything. */
class VmClaimTest {
    static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");

    @TempDir Path tmp;

    @AfterEach
    void reset() {
        CliEnvironment.reset();
    }

    @Test
    void a_second_claim_of_a_vm_is_refused_naming_the_action_in_flight() {
        try (VmClaim first = VmClaim.claim(tmp, 7, "migrate", T0)) {
            VmBusyException e = assertThrows(VmBusyException.class, () -> VmClaim.claim(tmp, 7, "save", T0));
            assertTrue(e.getMessage().startsWith("save of VM 7 refused: migrate (pid "), e.getMessage());
            assertTrue(e.getMessage().contains("started 2026-12-07T12:00:00Z") && e.getMessage().endsWith("nothing was done"),
                    e.getMessage());
            VmClaim.claim(tmp, 8, "save", T0).close(); // another VM is not held by it
        }
    }

    @Test
    void a_vm_is_free_again_once_its_action_ended() {
        VmClaim.claim(tmp, 7, "migrate", T0).close();
        VmClaim.claim(tmp, 7, "restore", T0).close();
    }

    @Test
    void the_driver_refuses_a_second_migration_before_contacting_any_host() throws Exception {
        Path conf = tmp.resolve("onehaul.conf");
        Path state = tmp.resolve("state");
        // no known_hosts and no reachable host: any attempt to work would fail differently
        Files.writeString(conf, "log.dir = " + tmp + "\nstate.dir = " + state + "\nssh.known_hosts = "
                + tmp.resolve("none") + "\nssh.connect_timeout_seconds = 1\n");
        TestVm vm = new TestVm(7, "h1", 100, "one-7", 3, "", "", "/sbin/init");
        byte[] stdin = Base64.getEncoder().encode(OnedMessages.message(vm.onHost("h2", 100, 4), "h1", "h2", 100, "", "", "").getBytes(StandardCharsets.UTF_8));
        try (VmClaim inFlight = VmClaim.claim(state.resolve("inflight"), 7, "migrate", T0)) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            CliEnvironment.use(new CliEnvironment(new ByteArrayInputStream(stdin), new PrintStream(new ByteArrayOutputStream()),
                    new PrintStream(err, true), Map.of("ONEHAUL_CONF", conf.toString(), "HOME", tmp.toString())));
            int rc = OneHaul.run(new String[] {"vmm", "migrate", "one-7", "h2", "h1", "7", "h1"});
            String said = err.toString(StandardCharsets.UTF_8).strip();
            assertEquals(1, rc, said);
            assertTrue(said.startsWith("migrate: migrate of VM 7 refused: migrate (pid "), said);
        }
    }
}
