package io.onehaul.opennebula;

import org.w3c.dom.Element;

/**
 * One {@code HISTORY_RECORDS/HISTORY} entry: where the VM was (or is going) and which drivers serve it.
 * During a migration the newest record already names the destination (reference §2.2).
 */
public record HistoryRecord(int seq, String hostname, int hostId, int datastoreId, String vmMad,
                            String tmMad, int action, long startTime, long endTime) {

    public static HistoryRecord from(Element h) {
        return new HistoryRecord(
                Xml.intText(h, -1, "SEQ"),
                Xml.text(h, "HOSTNAME"),
                Xml.intText(h, -1, "HID"),
                Xml.intText(h, -1, "DS_ID"),
                Xml.text(h, "VM_MAD"),
                Xml.text(h, "TM_MAD"),
                Xml.intText(h, 0, "ACTION"),
                Xml.longText(h, 0, "STIME"),
                Xml.longText(h, 0, "ETIME"));
    }
}
