package io.onehaul.opennebula;

import org.w3c.dom.Element;

/** The system datastore part of a driver message ({@code <DATASTORE>}). */
public record DatastoreXml(int id, String name, String tmMad, String basePath, boolean shared) {

    public static DatastoreXml from(Element ds) {
        return new DatastoreXml(
                Xml.intText(ds, -1, "ID"),
                Xml.text(ds, "NAME"),
                Xml.text(ds, "TM_MAD"),
                Xml.text(ds, "BASE_PATH"),
                "YES".equalsIgnoreCase(Xml.text(ds, "TEMPLATE", "SHARED")));
    }
}
