package io.onehaul.hooks;

/**
 * VM STATE and LCM_STATE names as oned uses them in hook templates and {@code onevm show}
 * (include/VirtualMachine.h, reference §5.7), for records a person reads. Unknown numbers stay numbers.
 */
final class VmStates {
    private static final String[] STATES = {"INIT", "PENDING", "HOLD", "ACTIVE", "STOPPED", "SUSPENDED", "DONE", "",
            "POWEROFF", "UNDEPLOYED", "CLONING", "CLONING_FAILURE"};
    /** Index = LCM_STATE; "" where oned has no state of that number any more. */
    private static final String[] LCM_STATES = {
            "LCM_INIT", "PROLOG", "BOOT", "RUNNING", "MIGRATE", "SAVE_STOP", "SAVE_SUSPEND", "SAVE_MIGRATE",
            "PROLOG_MIGRATE", "PROLOG_RESUME", "EPILOG_STOP", "EPILOG", "SHUTDOWN", "", "",
            "CLEANUP_RESUBMIT", "UNKNOWN", "HOTPLUG", "SHUTDOWN_POWEROFF", "BOOT_UNKNOWN", "BOOT_POWEROFF",
            "BOOT_SUSPENDED", "BOOT_STOPPED", "CLEANUP_DELETE", "HOTPLUG_SNAPSHOT", "HOTPLUG_NIC",
            "HOTPLUG_SAVEAS", "HOTPLUG_SAVEAS_POWEROFF", "HOTPLUG_SAVEAS_SUSPENDED", "SHUTDOWN_UNDEPLOY",
            "EPILOG_UNDEPLOY", "PROLOG_UNDEPLOY", "BOOT_UNDEPLOY", "HOTPLUG_PROLOG_POWEROFF",
            "HOTPLUG_EPILOG_POWEROFF", "BOOT_MIGRATE", "BOOT_FAILURE", "BOOT_MIGRATE_FAILURE",
            "PROLOG_MIGRATE_FAILURE", "PROLOG_FAILURE", "EPILOG_FAILURE", "EPILOG_STOP_FAILURE",
            "EPILOG_UNDEPLOY_FAILURE", "PROLOG_MIGRATE_POWEROFF", "PROLOG_MIGRATE_POWEROFF_FAILURE",
            "PROLOG_MIGRATE_SUSPEND", "PROLOG_MIGRATE_SUSPEND_FAILURE", "BOOT_UNDEPLOY_FAILURE",
            "BOOT_STOPPED_FAILURE", "PROLOG_RESUME_FAILURE", "PROLOG_UNDEPLOY_FAILURE",
            "DISK_SNAPSHOT_POWEROFF", "DISK_SNAPSHOT_REVERT_POWEROFF", "DISK_SNAPSHOT_DELETE_POWEROFF",
            "DISK_SNAPSHOT_SUSPENDED", "", "DISK_SNAPSHOT_DELETE_SUSPENDED", "DISK_SNAPSHOT", "",
            "DISK_SNAPSHOT_DELETE", "PROLOG_MIGRATE_UNKNOWN", "PROLOG_MIGRATE_UNKNOWN_FAILURE",
            "DISK_RESIZE", "DISK_RESIZE_POWEROFF", "DISK_RESIZE_UNDEPLOYED", "HOTPLUG_NIC_POWEROFF",
            "HOTPLUG_RESIZE", "HOTPLUG_SAVEAS_UNDEPLOYED", "HOTPLUG_SAVEAS_STOPPED", "BACKUP",
            "BACKUP_POWEROFF", "RESTORE"
    };

    private VmStates() {}

    /** "ACTIVE/MIGRATE" for an active VM, "POWEROFF" otherwise. */
    static String name(int state, int lcmState) {
        String s = lookup(STATES, state);
        return state == 3 ? s + "/" + lookup(LCM_STATES, lcmState) : s;
    }

    private static String lookup(String[] names, int i) {
        return i >= 0 && i < names.length && !names[i].isEmpty() ? names[i] : Integer.toString(i);
    }
}
