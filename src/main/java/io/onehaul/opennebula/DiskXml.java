package io.onehaul.opennebula;

import org.w3c.dom.Element;

/** A {@code TEMPLATE/DISK} of a VM, with the attributes the drivers act on. */
public record DiskXml(int diskId, String type, String format, String diskType, String target,
                      boolean readOnly, String tmMad, int datastoreId, String source, long sizeMb) {

    public static DiskXml from(Element d) {
        return new DiskXml(
                Xml.intText(d, -1, "DISK_ID"),
                Xml.text(d, "TYPE"),
                Xml.text(d, "FORMAT"),
                Xml.text(d, "DISK_TYPE"),
                Xml.text(d, "TARGET"),
                "YES".equalsIgnoreCase(Xml.text(d, "READONLY")),
                Xml.text(d, "TM_MAD"),
                Xml.intText(d, -1, "DATASTORE_ID"),
                Xml.text(d, "SOURCE"),
                Xml.longText(d, 0, "SIZE"));
    }

    public boolean isSwap() {
        return "swap".equalsIgnoreCase(type);
    }
}
