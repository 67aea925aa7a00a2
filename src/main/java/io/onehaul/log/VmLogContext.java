package io.onehaul.log;

import org.slf4j.MDC;

/** Which VM the current action serves: every log line carries it so that oned files it in that VM's log. */
public final class VmLogContext {
    public static final String MDC_VMID = "vmid";

    private VmLogContext() {}

    public static void setVm(int vmid) {
        MDC.put(MDC_VMID, Integer.toString(vmid));
    }

    public static void clear() {
        MDC.remove(MDC_VMID);
    }
}
