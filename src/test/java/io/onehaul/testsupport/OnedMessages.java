package io.onehaul.testsupport;

import java.io.StringWriter;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Builds the documents oned would hand our drivers for a test-bed VM, starting from what a real
 * oned 7.5.80 sent (fixtures 0004 deploy and 0006 migrate) and changing only ids, hosts, disks and
 * NICs: the shape stays the real one.
 */
public final class OnedMessages {
    /** A test VM: one root disk (disk.0), context variables, optionally a NIC on the test bed bridge. */
    public record TestVm(int id, String host, int datastoreId, String deployId, int lcmState, String bridge,
                         String ip, String initCmd) {
        public TestVm onHost(String newHost, int newDs, int newLcm) {
            return new TestVm(id, newHost, newDs, deployId, newLcm, bridge, ip, initCmd);
        }

        public TestVm deployed(String newDeployId) {
            return new TestVm(id, host, datastoreId, newDeployId, lcmState, bridge, ip, initCmd);
        }

        public String sysdir() {
            return "/var/lib/one/datastores/" + datastoreId + "/" + id;
        }
    }

    private static final java.util.Map<Integer, String> REGULATIONS = new java.util.concurrent.ConcurrentHashMap<>();

    private OnedMessages() {}

    /** From now on the VM's USER_TEMPLATE carries this REGULATION vector (inner XML), as oned would show it. */
    public static void regulate(int vmid, String regulationInnerXml) {
        REGULATIONS.put(vmid, regulationInnerXml);
    }

    private static final java.util.Map<Integer, java.util.Map<String, String>> USER_ATTRIBUTES =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static final java.util.Map<Integer, Integer> MEMORY_MB = new java.util.concurrent.ConcurrentHashMap<>();

    /** TEMPLATE/MEMORY of every later document of the VM (the fixture's is 64 MB: the container's limit). */
    public static void memoryMb(int vmid, int mb) {
        MEMORY_MB.put(vmid, mb);
    }

    /** A USER_TEMPLATE attribute every later document of the VM carries (e.g. ONEHAUL_MIGRATION_STRATEGIES). */
    public static void userAttribute(int vmid, String name, String value) {
        USER_ATTRIBUTES.computeIfAbsent(vmid, k -> new java.util.concurrent.ConcurrentHashMap<>()).put(name, value);
    }

    /** The VM's documents carry no REGULATION again. */
    public static void unregulate(int vmid) {
        REGULATIONS.remove(vmid);
    }

    /** The {@code <VM>} document (deployment file content, and the VM part of every message). */
    public static String vm(TestVm t) {
        Document doc = parse(Fixtures.text("0004-vmm-deploy.stdin.xml"));
        Element vm = doc.getDocumentElement();
        set(vm, "ID", Integer.toString(t.id()));
        set(vm, "NAME", "onehaul-test-" + t.id());
        set(vm, "DEPLOY_ID", t.deployId());
        set(vm, "LCM_STATE", Integer.toString(t.lcmState()));
        Element template = child(vm, "TEMPLATE");
        set(template, "VMID", Integer.toString(t.id()));
        List<Element> disks = children(template, "DISK");
        for (Element d : disks) {
            if (!"0".equals(child(d, "DISK_ID").getTextContent().trim())) {
                template.removeChild(d);
            }
        }
        Element ctx = child(template, "CONTEXT");
        set(ctx, "SET_HOSTNAME", "counter-" + t.id());
        if (t.bridge() != null) {
            Element nic = doc.createElement("NIC");
            add(nic, "NIC_ID", "0");
            add(nic, "BRIDGE", t.bridge());
            add(nic, "MAC", String.format("02:00:0a:e8:%02x:%02x", (t.id() >> 8) & 0xff, t.id() & 0xff));
            add(nic, "IP", t.ip());
            add(nic, "TARGET", "one-" + t.id() + "-0");
            add(nic, "VN_MAD", "bridge");
            template.appendChild(nic);
            set(ctx, "ETH0_IP", t.ip());
            set(ctx, "ETH0_MASK", "255.255.255.0");
        }
        Integer memory = MEMORY_MB.get(t.id());
        if (memory != null) {
            set(template, "MEMORY", Integer.toString(memory));
        }
        Element user = child(vm, "USER_TEMPLATE");
        if (t.initCmd() != null) {
            add(user, "LXC_INIT_CMD", t.initCmd());
        }
        USER_ATTRIBUTES.getOrDefault(t.id(), java.util.Map.of()).forEach((k, v) -> add(user, k, v));
        String regulation = REGULATIONS.get(t.id());
        if (regulation != null) {
            Element reg = doc.createElement("REGULATION");
            user.appendChild(reg);
            Document inner = parse("<R>" + regulation + "</R>");
            for (Node n = inner.getDocumentElement().getFirstChild(); n != null; n = n.getNextSibling()) {
                reg.appendChild(doc.importNode(n, true));
            }
        }
        Element h = child(child(vm, "HISTORY_RECORDS"), "HISTORY");
        set(h, "OID", Integer.toString(t.id()));
        set(h, "HOSTNAME", t.host());
        set(h, "DS_ID", Integer.toString(t.datastoreId()));
        set(h, "VM_MAD", "lxc_live");
        return serialize(doc);
    }

    /** {@code <VMM_DRIVER_ACTION_DATA>} for an action on {@code host}, with the given VM and fields. */
    public static String message(TestVm t, String host, String migrHost, int datastoreId, String checkpointFile,
                                 String tmCommand, String diskTargetPath) {
        Document doc = parse(Fixtures.text("0006-vmm-migrate.stdin.xml"));
        Element root = doc.getDocumentElement();
        set(root, "HOST", host);
        set(root, "MIGR_HOST", migrHost);
        set(root, "DEPLOY_ID", t.deployId());
        set(root, "CHECKPOINT_FILE", checkpointFile);
        set(root, "TM_COMMAND", tmCommand);
        set(root, "DISK_TARGET_PATH", diskTargetPath);
        Element ds = child(root, "DATASTORE");
        set(ds, "ID", Integer.toString(datastoreId));
        set(ds, "BASE_PATH", "/var/lib/one/datastores/" + datastoreId);
        Element oldVm = child(root, "VM");
        Node newVm = doc.importNode(parse(vm(t)).getDocumentElement(), true);
        root.replaceChild(newVm, oldVm);
        return serialize(doc);
    }

    /** The message of an action on the VM's current host (shutdown, cancel, reboot, reset). */
    public static String onHost(TestVm t) {
        return message(t, t.host(), "", t.datastoreId(), "", "", "");
    }

    static Document parse(String xml) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            return f.newDocumentBuilder().parse(new java.io.ByteArrayInputStream(xml.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String serialize(Document doc) {
        try {
            var t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            StringWriter w = new StringWriter();
            t.transform(new DOMSource(doc), new StreamResult(w));
            return w.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        throw new IllegalStateException("fixture has no <" + name + "> under <" + parent.getTagName() + ">");
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new java.util.ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                out.add(e);
            }
        }
        return out;
    }

    private static void set(Element parent, String name, String value) {
        Element e = children(parent, name).stream().findFirst().orElseGet(() -> {
            Element c = parent.getOwnerDocument().createElement(name);
            parent.appendChild(c);
            return c;
        });
        e.setTextContent(value);
    }

    private static void add(Element parent, String name, String value) {
        Element c = parent.getOwnerDocument().createElement(name);
        c.setTextContent(value);
        parent.appendChild(c);
    }
}
