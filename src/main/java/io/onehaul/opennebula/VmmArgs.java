package io.onehaul.opennebula;

import java.util.List;

/**
 * The argv one_vmm_exec gives each VMM action (reference §2, §10.3). The vmid and host it always
 * appends are the last two words. Each parse checks the count and the shape of every word.
 */
public final class VmmArgs {
    private VmmArgs() {}

    /** deploy: {@code <deployment_file> <host> <vmid> <host>}. */
    public record Deploy(String deploymentFile, String host, int vmid) {}

    /** shutdown, cancel, reboot, reset: {@code <deploy_id> <host> <vmid> <host>}. */
    public record OnContainer(String deployId, String host, int vmid) {}

    /** save: {@code <deploy_id> <checkpoint_file> <host> <vmid> <host>}. */
    public record Save(String deployId, String checkpointFile, String host, int vmid) {}

    /** restore: {@code <checkpoint_file> <host> <deploy_id> <vmid> <host>}. */
    public record Restore(String checkpointFile, String host, String deployId, int vmid) {}

    /** migrate: {@code <deploy_id> <dst_host> <src_host> <vmid> <src_host>}. */
    public record Migrate(String deployId, String destinationHost, String sourceHost, int vmid) {}

    public static Deploy deploy(List<String> a) {
        count("deploy", a, 4, "<deployment_file> <host> <vmid> <host>");
        sameHost("deploy", a.get(1), a.get(3));
        return new Deploy(Names.absolutePath(a.get(0), "deployment file"), Names.host(a.get(1)), Names.vmid(a.get(2)));
    }

    public static OnContainer onContainer(String action, List<String> a) {
        count(action, a, 4, "<deploy_id> <host> <vmid> <host>");
        sameHost(action, a.get(1), a.get(3));
        return new OnContainer(Names.deployId(a.get(0)), Names.host(a.get(1)), Names.vmid(a.get(2)));
    }

    public static Save save(List<String> a) {
        count("save", a, 5, "<deploy_id> <checkpoint_file> <host> <vmid> <host>");
        sameHost("save", a.get(2), a.get(4));
        return new Save(Names.deployId(a.get(0)), Names.absolutePath(a.get(1), "checkpoint file"),
                Names.host(a.get(2)), Names.vmid(a.get(3)));
    }

    public static Restore restore(List<String> a) {
        count("restore", a, 5, "<checkpoint_file> <host> <deploy_id> <vmid> <host>");
        sameHost("restore", a.get(1), a.get(4));
        return new Restore(Names.absolutePath(a.get(0), "checkpoint file"), Names.host(a.get(1)),
                Names.deployId(a.get(2)), Names.vmid(a.get(3)));
    }

    public static Migrate migrate(List<String> a) {
        count("migrate", a, 5, "<deploy_id> <dst_host> <src_host> <vmid> <src_host>");
        sameHost("migrate", a.get(2), a.get(4));
        return new Migrate(Names.deployId(a.get(0)), Names.host(a.get(1)), Names.host(a.get(2)), Names.vmid(a.get(3)));
    }

    private static void count(String action, List<String> a, int n, String usage) {
        if (a.size() != n) {
            throw new BadInputException(action + " expects " + n + " arguments (" + usage + "), got " + a.size());
        }
    }

    private static void sameHost(String action, String host, String appended) {
        if (!host.equals(appended)) {
            throw new BadInputException(action + ": host argument '" + host + "' differs from the appended host '"
                    + appended + "'");
        }
    }
}
