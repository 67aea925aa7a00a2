package io.onehaul.opennebula;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.Fixtures;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every VMM call a real oned made parses into the right typed arguments and message. */
class DriverProtocolTest {

    private static String base64(String xml) {
        return Base64.getEncoder().encodeToString(xml.getBytes(StandardCharsets.UTF_8));
    }

    @TestFactory
    Stream<DynamicTest> every_recorded_vmm_call_parses_as_oned_sent_it() {
        return Fixtures.calls().stream().filter(c -> c.driver().equals("vmm")).map(c -> DynamicTest.dynamicTest(
                c.seq() + " " + c.operation() + " " + c.action(), () -> {
                    String xml = DriverStdin.decode(base64(c.stdinXml()), c.action());
                    switch (c.action()) {
                        case "deploy" -> {
                            VmmArgs.Deploy a = VmmArgs.deploy(c.argv());
                            VmXml vm = VmXml.parse(xml);
                            assertEquals(3, a.vmid());
                            assertEquals(a.host(), vm.currentHistory().orElseThrow().hostname());
                            assertTrue(a.deploymentFile().startsWith("/var/lib/one/vms/3/deployment."));
                        }
                        case "migrate" -> {
                            VmmArgs.Migrate a = VmmArgs.migrate(c.argv());
                            DriverMessage m = DriverMessage.parse(xml);
                            assertEquals(a.sourceHost(), m.host());
                            assertEquals(a.destinationHost(), m.migrHost());
                            assertEquals(a.destinationHost(), m.vm().currentHistory().orElseThrow().hostname());
                        }
                        case "save" -> {
                            VmmArgs.Save a = VmmArgs.save(c.argv());
                            DriverMessage m = DriverMessage.parse(xml);
                            assertEquals(a.checkpointFile(), m.checkpointFile());
                            assertEquals(a.host(), m.host());
                        }
                        case "restore" -> {
                            VmmArgs.Restore a = VmmArgs.restore(c.argv());
                            DriverMessage m = DriverMessage.parse(xml);
                            assertEquals(a.checkpointFile(), m.checkpointFile());
                            assertEquals("one-3", a.deployId());
                        }
                        default -> {
                            VmmArgs.OnContainer a = VmmArgs.onContainer(c.action(), c.argv());
                            DriverMessage m = DriverMessage.parse(xml);
                            assertEquals(a.host(), m.host());
                            assertEquals(3, m.vm().id());
                        }
                    }
                }));
    }

    @Test
    void live_migrate_message_names_source_as_host_and_the_new_history_record() {
        DriverMessage m = DriverMessage.parse(Fixtures.text("0006-vmm-migrate.stdin.xml"));
        assertEquals("h1", m.host());
        assertEquals("h2", m.migrHost());
        assertEquals(100, m.datastore().orElseThrow().id());
        assertFalse(m.datastore().orElseThrow().shared());
        assertEquals("MIGRATE probetm h1 h2 /var/lib/one/datastores/100/3 3 100", m.tmCommand());
        assertEquals(1, m.vm().history().size());
        assertEquals(8, m.vm().currentHistory().orElseThrow().hostId());
        assertEquals("4061760b-786c-46a9-94cd-2bf24c7f2e11", m.vm().uuid());
    }

    @Test
    void datastore_only_migration_keeps_the_old_datastore_in_the_message() {
        DriverMessage m = DriverMessage.parse(Fixtures.text("0042-vmm-migrate.stdin.xml"));
        assertEquals(100, m.datastore().orElseThrow().id());
        assertEquals(102, m.vm().currentHistory().orElseThrow().datastoreId());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "not base64 at all!", "PFZN", "aGVsbG8gd29ybGQ=", "<VM><ID>3</ID>"})
    void unusable_stdin_is_refused_with_a_clear_message(String stdin) {
        BadInputException e = assertThrows(BadInputException.class, () -> VmXml.parse(
                DriverStdin.readXml(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), "deployment file")));
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void xml_with_a_doctype_is_refused_so_no_entity_can_be_expanded() {
        String evil = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><VM><ID>&e;</ID></VM>";
        assertThrows(BadInputException.class, () -> VmXml.parse(evil));
    }

    @Test
    void a_message_without_a_vm_is_refused() {
        assertThrows(BadInputException.class, () -> DriverMessage.parse("<VMM_DRIVER_ACTION_DATA><HOST>h1</HOST></VMM_DRIVER_ACTION_DATA>"));
    }

    @Test
    void a_vm_document_where_a_message_is_expected_is_refused() {
        assertThrows(BadInputException.class, () -> DriverMessage.parse(Fixtures.text("0004-vmm-deploy.stdin.xml")));
    }

    @Test
    void argv_with_wrong_count_or_shape_is_refused() {
        assertThrows(BadInputException.class, () -> VmmArgs.deploy(List.of("/var/lib/one/vms/3/deployment.0", "h1", "3")));
        assertThrows(BadInputException.class, () -> VmmArgs.deploy(List.of("relative/deployment.0", "h1", "3", "h1")));
        assertThrows(BadInputException.class, () -> VmmArgs.deploy(List.of("/x/../../etc/passwd", "h1", "3", "h1")));
        assertThrows(BadInputException.class, () -> VmmArgs.onContainer("shutdown", List.of("one-3", "h1", "three", "h1")));
        assertThrows(BadInputException.class, () -> VmmArgs.onContainer("shutdown", List.of("../one-3", "h1", "3", "h1")));
        assertThrows(BadInputException.class, () -> VmmArgs.onContainer("shutdown", List.of("one-3;rm -rf /", "h1", "3", "h1")));
        assertThrows(BadInputException.class, () -> VmmArgs.onContainer("cancel", List.of("one-3", "h1", "3", "h2")));
        assertThrows(BadInputException.class, () -> VmmArgs.onContainer("cancel", List.of("one-3", "-oProxyCommand=x", "3", "-oProxyCommand=x")));
        assertThrows(BadInputException.class, () -> VmmArgs.save(List.of("one-3", "/ds/3/checkpoint\nx", "h1", "3", "h1")));
        assertThrows(BadInputException.class, () -> VmmArgs.restore(List.of("/ds/3/checkpoint", "h1", "one-3", "3")));
        assertThrows(BadInputException.class, () -> VmmArgs.migrate(List.of("one-3", "h2", "h1", "3", "h2")));
    }

    @Test
    void names_accept_what_oned_produces() {
        assertEquals("one-3", Names.deployId("one-3"));
        assertEquals("h1.example.org", Names.host("h1.example.org"));
        assertEquals(42, Names.vmid("42"));
    }
}
