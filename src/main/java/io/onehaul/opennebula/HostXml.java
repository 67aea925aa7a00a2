package io.onehaul.opennebula;

import org.w3c.dom.Element;

/** A {@code <HOST>} document from one.host.info / one.hostpool.info. */
public final class HostXml {
    private final Element host;

    private HostXml(Element host) {
        this.host = host;
    }

    public static HostXml parse(String xml) {
        return of(Xml.parseRoot(xml, "HOST", "HOST XML"));
    }

    public static HostXml of(Element e) {
        if (!"HOST".equals(e.getTagName())) {
            throw new BadInputException("expected <HOST>, got <" + e.getTagName() + ">");
        }
        return new HostXml(e);
    }

    public Element element() {
        return host;
    }

    public int id() {
        return Xml.intText(host, -1, "ID");
    }

    public String name() {
        return Xml.text(host, "NAME");
    }

    public int state() {
        return Xml.intText(host, -1, "STATE");
    }

    public String vmMad() {
        return Xml.text(host, "VM_MAD");
    }

    public String imMad() {
        return Xml.text(host, "IM_MAD");
    }

    public int clusterId() {
        return Xml.intText(host, -1, "CLUSTER_ID");
    }

    /** A {@code TEMPLATE/...} value (probe data or attributes set with one.host.update). */
    /** The TEMPLATE's single-valued attributes, NAME → value. */
    public java.util.Map<String, String> templateAttributes() {
        return Xml.flatAttributes(Xml.child(host, "TEMPLATE").orElse(null));
    }

    public String templateAttribute(String... path) {
        String[] full = new String[path.length + 1];
        full[0] = "TEMPLATE";
        System.arraycopy(path, 0, full, 1, path.length);
        return Xml.text(host, full);
    }
}
