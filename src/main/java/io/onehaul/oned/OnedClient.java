package io.onehaul.oned;

import io.onehaul.opennebula.BadInputException;
import io.onehaul.opennebula.HostXml;
import io.onehaul.opennebula.VmXml;
import io.onehaul.opennebula.Xml;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.w3c.dom.Element;

/**
 * A small typed client for the oned XML-RPC calls the add-on needs (reference §6.2). Every method
 * either returns parsed data or throws {@link OnedException}; documents are parsed with the shared
 * {@link Xml}/{@link VmXml}/{@link HostXml} helpers. Thread-safe: each call opens its own connection.
 */
public final class OnedClient {
    /** Connecting to a local or LAN oned is quick; a long wait means it is down or firewalled. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Pool calls on a busy front-end can take seconds; a minute is generous but still bounded. */
    public static final Duration DEFAULT_REPLY_TIMEOUT = Duration.ofSeconds(60);

    // Pool filters (the Java OCA's Pool constants) and vmpool state selectors.
    public static final int POOL_ALL = -2;
    public static final int POOL_MINE = -3;
    public static final int POOL_MINE_AND_GROUP = -1;
    public static final int POOL_GROUP = -4;
    public static final int VM_STATE_ANY = -2;
    public static final int VM_STATE_NOT_DONE = -1;

    private final OnedRpc rpc;

    public OnedClient(OnedEndpoint endpoint) {
        this(endpoint, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REPLY_TIMEOUT);
    }

    public OnedClient(OnedEndpoint endpoint, Duration connectTimeout, Duration replyTimeout) {
        this.rpc = new OnedRpc(Objects.requireNonNull(endpoint, "endpoint"), connectTimeout, replyTimeout);
    }

    public OnedEndpoint endpoint() {
        return rpc.endpoint();
    }

    /** {@code one.system.version}, e.g. "7.5.80". It authenticates too, so it doubles as a login check. */
    public String systemVersion() {
        return rpc.callString("one.system.version");
    }

    /** {@code one.vm.info}: the full VM, all HISTORY records and USER_TEMPLATE vector attributes. */
    public VmXml vmInfo(int id) {
        String xml = rpc.callString("one.vm.info", id);
        return parsed("one.vm.info", xml, VmXml::parse);
    }

    /**
     * {@code one.vmpool.info}: the <em>short</em> bodies. TEMPLATE is partial, only the last HISTORY
     * record is present, and USER_TEMPLATE lacks vector attributes (oned 7.5.80 drops e.g. REGULATION).
     * Use {@link #vmPoolInfoExtended} or {@link #vmInfo} when those are needed.
     *
     * @param filter {@link #POOL_ALL}, {@link #POOL_MINE}, {@link #POOL_MINE_AND_GROUP}, {@link #POOL_GROUP} or a user id
     * @param start first VM id, -1 for no lower bound (with end -1: all)
     * @param end last VM id, -1 for no upper bound
     * @param state {@link #VM_STATE_ANY}, {@link #VM_STATE_NOT_DONE} or a VM state number
     */
    public List<VmXml> vmPoolInfo(int filter, int start, int end, int state) {
        return vmPool("one.vmpool.info", filter, start, end, state);
    }

    /** {@code one.vmpool.infoextended}: same selection as {@link #vmPoolInfo}, full VM bodies. */
    public List<VmXml> vmPoolInfoExtended(int filter, int start, int end, int state) {
        return vmPool("one.vmpool.infoextended", filter, start, end, state);
    }

    private List<VmXml> vmPool(String method, int filter, int start, int end, int state) {
        String xml = rpc.callString(method, filter, start, end, state);
        return parsed(method, xml, s -> children(s, "VM_POOL", "VM").stream().map(VmXml::of).toList());
    }

    /** {@code one.host.info}. */
    public HostXml hostInfo(int id) {
        String xml = rpc.callString("one.host.info", id);
        return parsed("one.host.info", xml, HostXml::parse);
    }

    /** {@code one.cluster.info}: the cluster's TEMPLATE as NAME → value (single values only). */
    public java.util.Map<String, String> clusterTemplate(int id) {
        String xml = rpc.callString("one.cluster.info", id);
        return parsed("one.cluster.info", xml, s -> io.onehaul.opennebula.Xml.flatAttributes(
                io.onehaul.opennebula.Xml.child(io.onehaul.opennebula.Xml.parseRoot(s, "CLUSTER", "one.cluster.info"),
                        "TEMPLATE").orElse(null)));
    }

    /** {@code one.hostpool.info}: every host, in oned's order (descending id in 7.5.80). */
    public List<HostXml> hostPoolInfo() {
        String xml = rpc.callString("one.hostpool.info");
        return parsed("one.hostpool.info", xml,
                s -> children(s, "HOST_POOL", "HOST").stream().map(HostXml::of).toList());
    }

    /** The host whose NAME equals {@code name} exactly; oned keeps host names unique. */
    public HostXml hostByName(String name) {
        Objects.requireNonNull(name, "name");
        List<HostXml> hosts = hostPoolInfo();
        return hosts.stream().filter(h -> h.name().equals(name)).findFirst()
                .orElseThrow(() -> OnedException.notFound("one.hostpool.info",
                        "no host named '" + OnedException.oneLine(name, 100) + "' among " + hosts.size() + " hosts"));
    }

    /**
     * {@code one.vm.update}: changes the VM's USER_TEMPLATE. Replace ({@code merge=false}) drops every
     * attribute not in {@code template}; merge replaces the named attributes, a vector attribute as a
     * whole (its other sub-attributes are lost). Returns the VM id.
     */
    public int vmUpdate(int id, String template, boolean merge) {
        // oned takes the mode as an int (0 replace, 1 merge), not as a boolean
        return rpc.callInt("one.vm.update", id, Objects.requireNonNull(template, "template"), merge ? 1 : 0);
    }

    /**
     * {@code one.vm.migrate(id, host, live, enforce, ds, type)}: asks oned to move the VM; oned only
     * queues the move (it runs later through the drivers). {@code dsId} -1 keeps the system datastore;
     * {@code type} 0 save, 1 poweroff, 2 poweroff-hard. All six sent, as the CLI does. Returns the VM id.
     */
    public int vmMigrate(int id, int hostId, boolean live, boolean enforce, int dsId, int type) {
        return rpc.callInt("one.vm.migrate", id, hostId, live, enforce, dsId, type);
    }

    /** {@code one.vm.action(action, id)}: the action name comes first (e.g. "poweroff"). Returns the VM id. */
    public int vmAction(String action, int id) {
        return rpc.callInt("one.vm.action", Objects.requireNonNull(action, "action"), id);
    }

    /** {@code one.host.update}: changes the host TEMPLATE, same modes as {@link #vmUpdate}. Returns the host id. */
    public int hostUpdate(int id, String template, boolean merge) {
        return rpc.callInt("one.host.update", id, Objects.requireNonNull(template, "template"), merge ? 1 : 0);
    }

    private static List<Element> children(String xml, String root, String child) {
        return Xml.children(Xml.parseRoot(xml, root, root + " XML"), child);
    }

    /** Unusable XML in a successful reply is oned's (or the proxy's) fault, not the caller's input. */
    private <T> T parsed(String method, String xml, Function<String, T> parser) {
        try {
            return parser.apply(xml);
        } catch (BadInputException e) {
            throw rpc.malformed(method, e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "OnedClient[" + rpc.endpoint() + "]";
    }
}
