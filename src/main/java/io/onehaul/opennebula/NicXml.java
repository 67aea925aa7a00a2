package io.onehaul.opennebula;

import org.w3c.dom.Element;

/** A {@code TEMPLATE/NIC} of a VM. */
public record NicXml(int nicId, String bridge, String mac, String ip, String target, String vnMad,
                     String network) {

    public static NicXml from(Element n) {
        return new NicXml(
                Xml.intText(n, -1, "NIC_ID"),
                Xml.text(n, "BRIDGE"),
                Xml.text(n, "MAC"),
                Xml.text(n, "IP"),
                Xml.text(n, "TARGET"),
                Xml.text(n, "VN_MAD"),
                Xml.text(n, "NETWORK"));
    }
}
