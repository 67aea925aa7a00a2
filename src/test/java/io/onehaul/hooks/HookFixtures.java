package io.onehaul.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.onehaul.opennebula.Xml;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.w3c.dom.Element;

/**
 * The recorded oned 7.5.80 material: hook payloads exactly as onehem delivered them (fixtures hooks/),
 * and the VM and host documents of the recorded XML-RPC replies (fixtures xmlrpc/), edited the way an
 * operator's updates would change them (certificates, a host moved to another country).
 */
final class HookFixtures {
    static final String HOOKS = "/fixtures/oned-7.5.80/hooks/";
    static final String XMLRPC = "/fixtures/oned-7.5.80/xmlrpc/";

    // recorded $API of one.vm.migrate (argv delivery) and the stdin twins of the same events
    static final String MIGRATE_TO_H2 = "api-vm-migrate/0005.migrate-live-to-h2.success.argv1.b64";
    static final String MIGRATE_TO_H1 = "api-vm-migrate/0032.migrate-live-to-h1.success.argv1.b64";
    static final String MIGRATE_TO_H2_STDIN = "api-vm-migrate-stdin-yes/0004.migrate-live-to-h2.success.stdin.b64";
    static final String MIGRATE_TO_H1_STDIN = "api-vm-migrate-stdin-yes/0029.migrate-live-to-h1.success.stdin.b64";
    static final List<String> MIGRATE_FAILURES = List.of(
            "api-vm-migrate/0012.migrate.fail-no-vm.argv1.b64",
            "api-vm-migrate/0014.migrate.fail-no-host.argv1.b64",
            "api-vm-migrate/0017.migrate.fail-same-host.argv1.b64",
            "api-vm-migrate/0020.migrate.fail-live-host-and-ds.argv1.b64",
            "api-vm-migrate/0024.migrate.fail-no-ds.argv1.b64",
            "api-vm-migrate/0027.migrate.fail-state-hold.argv1.b64",
            "api-vm-migrate-stdin-yes/0011.migrate.fail-no-vm.stdin.b64");
    // recorded $TEMPLATE of the ACTIVE/RUNNING state hook
    static final String RUNNING_AFTER_DEPLOY_H1 = "state-vm-running/0002.deploy-to-h1.argv1.b64";
    static final String RUNNING_AFTER_MIGRATE_H2 = "state-vm-running/0008.after-migrate-live-to-h2.argv1.b64";
    static final String RUNNING_AFTER_MIGRATE_H1 = "state-vm-running/0033.after-migrate-live-to-h1.argv1.b64";
    static final String RUNNING_AFTER_RESUME = "state-vm-running/0034.after-resume-from-poweroff.argv1.b64";
    // recorded $API of allocate / update
    static final String ALLOCATE = "api-vm-allocate/0001.allocate-fx-regvm.argv1.b64";
    static final String UPDATE_REPLACE = "api-vm-update/0009.update-replace.argv1.b64";
    static final String UPDATE_MERGE = "api-vm-update/0010.update-merge.argv1.b64";

    private HookFixtures() {}

    static java.util.stream.Stream<String> migrateFailures() {
        return MIGRATE_FAILURES.stream();
    }

    static byte[] bytes(String resource) {
        try (InputStream in = HookFixtures.class.getResourceAsStream(resource)) {
            assertNotNull(in, resource + " on the classpath");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A hook payload byte for byte as onehem handed it over (base64, no newline). */
    static String payload(String name) {
        return new String(bytes(HOOKS + name), StandardCharsets.US_ASCII);
    }

    /** Its recorded decoding. */
    static String decoded(String name) {
        String base = name.replaceFirst("\\.(argv1|stdin)\\.b64$", "");
        return new String(bytes(HOOKS + base + ".decoded.xml"), StandardCharsets.UTF_8);
    }

    static byte[] recordedRequest(String name) {
        return bytes(XMLRPC + name + ".request.xml");
    }

    static byte[] recordedResponse(String name) {
        return bytes(XMLRPC + name + ".response.xml");
    }

    /** The {@code <VM>}/{@code <HOST>} document inside a recorded successful reply. */
    static String document(String fixture) {
        String body = new String(recordedResponse(fixture), StandardCharsets.UTF_8);
        Element root = Xml.parseRoot(body, "methodResponse", fixture);
        List<Element> values = Xml.children(Xml.path(root, "params", "param", "value", "array", "data").orElseThrow(), "value");
        assertEquals("1", Xml.text(values.get(0), "boolean"), fixture + " is a success reply");
        return Xml.text(values.get(1), "string");
    }

    /** A success reply carrying {@code document}, as oned writes it (escaped string, CRLF). */
    static byte[] reply(String document) {
        String escaped = document.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<methodResponse>\r\n<params>\r\n"
                + "<param><value><array><data>\r\n<value><boolean>1</boolean></value>\r\n"
                + "<value><string>" + escaped + "</string></value>\r\n<value><i4>0</i4></value>\r\n"
                + "</data></array></value></param>\r\n</params>\r\n</methodResponse>\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /** A success reply carrying an id, as oned answers update, migrate and action. */
    static byte[] idReply(int id) {
        return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<methodResponse>\r\n<params>\r\n"
                + "<param><value><array><data>\r\n<value><boolean>1</boolean></value>\r\n"
                + "<value><i4>" + id + "</i4></value>\r\n<value><i4>0</i4></value>\r\n"
                + "</data></array></value></param>\r\n</params>\r\n</methodResponse>\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * REGULATION = [ COUNTRIES = "ES,DE", ORGANIZATIONS = "ACME", CERTIFICATE = ... ] in place of whatever
     * REGULATION the recorded document has: the later recordings carry the fixture's merge experiment
     * (COUNTRIES = "PT" alone), which an operator would have re-certified.
     */
    static String withVmCertificate(String vm, String base64) {
        return replaceOnce(vm, Pattern.compile("<REGULATION>.*?</REGULATION>", Pattern.DOTALL),
                "<REGULATION><COUNTRIES><![CDATA[ES,DE]]></COUNTRIES><ORGANIZATIONS><![CDATA[ACME]]></ORGANIZATIONS>"
                        + "<CERTIFICATE><![CDATA[" + base64 + "]]></CERTIFICATE></REGULATION>");
    }

    /** A single USER_TEMPLATE attribute, as one.vm.update in merge mode leaves it. */
    static String withUserAttribute(String vm, String name, String value) {
        return replaceOnce(vm, Pattern.compile("(<USER_TEMPLATE>)"),
                "$1<" + name + "><![CDATA[" + Matcher.quoteReplacement(value) + "]]></" + name + ">");
    }

    static String withoutRegulation(String vm) {
        return replaceOnce(vm, Pattern.compile("<REGULATION>.*?</REGULATION>", Pattern.DOTALL), "");
    }

    static String withHostCertificate(String host, String base64) {
        return replaceOnce(host, Pattern.compile("</COUNTRY>"),
                "</COUNTRY><PRIVACY_CERTIFICATE><![CDATA[" + base64 + "]]></PRIVACY_CERTIFICATE>");
    }

    /** Host h1 (id 7, ES, ACME) of the recorded one.host.info reply, renamed and moved. */
    static String host(int id, String name, String country) {
        String h = replaceOnce(document("one.host.info.h1"), Pattern.compile("<HOST><ID>7</ID><NAME>h1</NAME>"),
                "<HOST><ID>" + id + "</ID><NAME>" + name + "</NAME>");
        return replaceOnce(h, Pattern.compile("<COUNTRY><!\\[CDATA\\[ES]]></COUNTRY>"),
                "<COUNTRY><![CDATA[" + country + "]]></COUNTRY>");
    }

    static String hostPool(String... hosts) {
        return "<HOST_POOL>" + String.join("", hosts) + "</HOST_POOL>";
    }

    private static String replaceOnce(String s, Pattern p, String replacement) {
        Matcher m = p.matcher(s);
        if (!m.find()) {
            throw new AssertionError("/" + p + "/ not found");
        }
        if (m.find()) {
            throw new AssertionError("/" + p + "/ found more than once");
        }
        return p.matcher(s).replaceFirst(replacement);
    }
}
