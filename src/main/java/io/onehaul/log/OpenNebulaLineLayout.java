package io.onehaul.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.LayoutBase;

/**
 * Formats stderr lines the way one_vmm_exec reads them (reference §1.7): {@code INFO: <vmid> text}
 * reaches the VM log at level I (also when the action succeeds), {@code ERROR: <vmid> text} at E,
 * {@code DEBUG: ...} at D. Tagged lines never become part of the FAILURE text; only the one plain
 * reason line the CLI prints on failure does.
 */
public final class OpenNebulaLineLayout extends LayoutBase<ILoggingEvent> {
    @Override
    public String doLayout(ILoggingEvent e) {
        String vmid = e.getMDCPropertyMap().getOrDefault(VmLogContext.MDC_VMID, "");
        String tag = tag(e.getLevel());
        String msg = e.getFormattedMessage().replace('\n', ' ').replace('\r', ' ');
        return vmid.isEmpty() ? tag + " " + msg + "\n" : tag + " " + vmid + " " + msg + "\n";
    }

    static String tag(Level level) {
        if (level.isGreaterOrEqual(Level.ERROR)) {
            return "ERROR:";
        }
        if (level.isGreaterOrEqual(Level.WARN)) {
            return "WARN:";
        }
        if (level.isGreaterOrEqual(Level.INFO)) {
            return "INFO:";
        }
        return "DEBUG:";
    }
}
