package io.onehaul.opennebula;

import org.w3c.dom.Element;

/**
 * One {@code HISTORY_RECORDS/HISTORY} entry: where the VM was (or is going) and which drivers serve it.
 * During a migration the newest record already names the destination (reference §2.2).
 *
 * @param startTime        STIME: the record was opened
 * @param endTime          ETIME: the record was closed (0 while it is the VM's current placement)
 * @param runningStartTime RSTIME: the VM started running there (0 when it never did, e.g. a migration
 *                         that failed before the destination ran it)
 */
public record HistoryRecord(int seq, String hostname, int hostId, int datastoreId, String vmMad,
                            String tmMad, int action, long startTime, long endTime, long runningStartTime) {

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
                Xml.longText(h, 0, "ETIME"),
                Xml.longText(h, 0, "RSTIME"));
    }
}
