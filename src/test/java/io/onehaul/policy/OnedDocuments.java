package io.onehaul.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.onehaul.opennebula.Xml;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.w3c.dom.Element;

/**
 * The VM and host documents of the recorded oned 7.5.80 replies (VM 4 fx-regvm, host h1 id 7), edited
 * the way an operator's one.vm.update / one.host.update would change them, and wrapped back into an
 * XML-RPC reply shaped like oned's for WireMock.
 */
public final class OnedDocuments {
    static final String DIR = "/fixtures/oned-7.5.80/xmlrpc/";

    private OnedDocuments() {}

    /** The {@code <VM>}/{@code <HOST>} document inside a recorded successful reply. */
    static String document(String fixture) {
        String body;
        try (InputStream in = OnedDocuments.class.getResourceAsStream(DIR + fixture + ".response.xml")) {
            assertNotNull(in, fixture);
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Element root = Xml.parseRoot(body, "methodResponse", fixture);
        List<Element> values = Xml.children(Xml.path(root, "params", "param", "value", "array", "data").orElseThrow(), "value");
        assertEquals("1", Xml.text(values.get(0), "boolean"), fixture + " is a success reply");
        return Xml.text(values.get(1), "string");
    }

    /** A success reply carrying {@code document}, as oned writes it (escaped string, CRLF). */
    public static byte[] reply(String document) {
        String escaped = document.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<methodResponse>\r\n<params>\r\n"
                + "<param><value><array><data>\r\n<value><boolean>1</boolean></value>\r\n"
                + "<value><string>" + escaped + "</string></value>\r\n<value><i4>0</i4></value>\r\n"
                + "</data></array></value></param>\r\n</params>\r\n</methodResponse>\r\n";
        return body.getBytes(StandardCharsets.UTF_8);
    }

    /** VM 4 running on h1: REGULATION = [ COUNTRIES = "ES,DE", ORGANIZATIONS = "ACME" ]. */
    static String vm() {
        return document("one.vm.info.running-h1");
    }

    /** Host h1 (id 7): COUNTRY = "ES", ORGANIZATIONS = "ACME". */
    public static String host() {
        return document("one.host.info.h1");
    }

    static String withVmCertificate(String vm, String base64) {
        return replaceOnce(vm, "</ORGANIZATIONS></REGULATION>",
                "</ORGANIZATIONS><CERTIFICATE><![CDATA[" + base64 + "]]></CERTIFICATE></REGULATION>");
    }

    static String withoutRegulation(String vm) {
        int from = vm.indexOf("<REGULATION>");
        int to = vm.indexOf("</REGULATION>") + "</REGULATION>".length();
        return vm.substring(0, from) + vm.substring(to);
    }

    static String withHostCertificate(String host, String base64) {
        return replaceOnce(host, "</COUNTRY>", "</COUNTRY><PRIVACY_CERTIFICATE><![CDATA[" + base64 + "]]></PRIVACY_CERTIFICATE>");
    }

    /** The same host renamed and moved: NAME, ID and COUNTRY replaced. */
    public static String relocatedHost(String host, int id, String name, String country) {
        String h = replaceOnce(host, "<HOST><ID>7</ID><NAME>h1</NAME>", "<HOST><ID>" + id + "</ID><NAME>" + name + "</NAME>");
        return replaceOnce(h, "<COUNTRY><![CDATA[ES]]></COUNTRY>", "<COUNTRY><![CDATA[" + country + "]]></COUNTRY>");
    }

    public static String hostPool(String... hosts) {
        return "<HOST_POOL>" + String.join("", hosts) + "</HOST_POOL>";
    }

    static String replaceOnce(String s, String from, String to) {
        int i = s.indexOf(from);
        if (i < 0 || s.indexOf(from, i + 1) >= 0) {
            throw new AssertionError("'" + from + "' must occur exactly once");
        }
        return s.substring(0, i) + to + s.substring(i + from.length());
    }
}
