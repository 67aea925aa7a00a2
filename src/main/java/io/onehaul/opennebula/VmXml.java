package io.onehaul.opennebula;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.w3c.dom.Element;

/**
 * A {@code <VM>} document as oned writes it: in a driver message (one HISTORY record, the newest),
 * in a deployment file, or from {@code one.vm.info} (all records). Typed accessors for what the
 * drivers and the policy use; {@link #element()} for anything else.
 */
public final class VmXml {
    private final Element vm;
    private final List<HistoryRecord> history;
    private final List<DiskXml> disks;
    private final List<NicXml> nics;

    private VmXml(Element vm) {
        this.vm = vm;
        this.history = Xml.children(Xml.child(vm, "HISTORY_RECORDS").orElse(null), "HISTORY")
                .stream().map(HistoryRecord::from).toList();
        Element template = Xml.child(vm, "TEMPLATE").orElse(null);
        this.disks = Xml.children(template, "DISK").stream().map(DiskXml::from).toList();
        this.nics = Xml.children(template, "NIC").stream().map(NicXml::from).toList();
        if (id() < 0) {
            throw new BadInputException("<VM> has no valid <ID>");
        }
    }

    public static VmXml parse(String xml) {
        return new VmXml(Xml.parseRoot(xml, "VM", "VM XML"));
    }

    public static VmXml of(Element vm) {
        if (!"VM".equals(vm.getTagName())) {
            throw new BadInputException("expected <VM>, got <" + vm.getTagName() + ">");
        }
        return new VmXml(vm);
    }

    public Element element() {
        return vm;
    }

    public int id() {
        return Xml.intText(vm, -1, "ID");
    }

    public String name() {
        return Xml.text(vm, "NAME");
    }

    public int uid() {
        return Xml.intText(vm, -1, "UID");
    }

    public String owner() {
        return Xml.text(vm, "UNAME");
    }

    public int state() {
        return Xml.intText(vm, -1, "STATE");
    }

    public int lcmState() {
        return Xml.intText(vm, -1, "LCM_STATE");
    }

    public String deployId() {
        return Xml.text(vm, "DEPLOY_ID");
    }

    /** {@code TEMPLATE/OS/UUID}: oned assigns it at allocation; a re-created VM gets a new one. */
    public String uuid() {
        return Xml.text(vm, "TEMPLATE", "OS", "UUID");
    }

    public int memoryMb() {
        return Xml.intText(vm, 0, "TEMPLATE", "MEMORY");
    }

    public double cpu() {
        String c = Xml.text(vm, "TEMPLATE", "CPU");
        try {
            return c.isEmpty() ? 0 : Double.parseDouble(c);
        } catch (NumberFormatException e) {
            throw new BadInputException("TEMPLATE/CPU is not a number: '" + c + "'");
        }
    }

    public List<DiskXml> disks() {
        return disks;
    }

    public List<NicXml> nics() {
        return nics;
    }

    public List<HistoryRecord> history() {
        return history;
    }

    /** The current placement: {@code HISTORY[last()]}. */
    public Optional<HistoryRecord> currentHistory() {
        return history.isEmpty() ? Optional.empty() : Optional.of(history.get(history.size() - 1));
    }

    /** {@code HISTORY[last()-1]}: the source of the migration in a one.vm.info document. */
    public Optional<HistoryRecord> previousHistory() {
        return history.size() < 2 ? Optional.empty() : Optional.of(history.get(history.size() - 2));
    }

    /** Context variables ({@code TEMPLATE/CONTEXT/*}). */
    public Map<String, String> context() {
        return Xml.flatAttributes(Xml.path(vm, "TEMPLATE", "CONTEXT").orElse(null));
    }

    public boolean hasContext() {
        return Xml.path(vm, "TEMPLATE", "CONTEXT").isPresent();
    }

    public Optional<Element> userTemplate() {
        return Xml.child(vm, "USER_TEMPLATE");
    }

    /** A single USER_TEMPLATE value, or a sub-attribute of a vector attribute ("REGULATION", "COUNTRIES"). */
    public String userAttribute(String... path) {
        return userTemplate().map(u -> Xml.text(u, path)).orElse("");
    }

    /** {@code TEMPLATE/<name>} single value. */
    public String templateAttribute(String... path) {
        String[] full = new String[path.length + 1];
        full[0] = "TEMPLATE";
        System.arraycopy(path, 0, full, 1, path.length);
        return Xml.text(vm, full);
    }
}
