package io.onehaul.hooks;

import io.onehaul.oned.OnedException;
import io.onehaul.opennebula.BadInputException;
import io.onehaul.opennebula.HostXml;
import io.onehaul.opennebula.VmXml;
import io.onehaul.opennebula.Xml;
import io.onehaul.policy.facts.PolicyFactsReader;
import io.onehaul.progress.ProgressNote;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.w3c.dom.Element;

/**
 * {@code onehaul hook sched-requirements}: API hook on {@code one.vm.allocate} and {@code one.vm.update}.
 * For a VM with REGULATION it writes USER_TEMPLATE/SCHED_REQUIREMENTS naming the hosts the policy allows
 * (country, organisation, both certificates, decided per host), so that the scheduler only picks those.
 *
 * <p>Which call fired is not in $API (only CALL_INFO is passed); the shapes differ: a successful
 * allocate carries the new {@code <VM>} in EXTRA and its id in OUT 2, an update has the VM id in IN 2
 * and an empty EXTRA. The VM is always read again with one.vm.info, since an update's $API holds the
 * request text, not the merged result.
 *
 * <p>Its own update fires one.vm.update again; that run computes the same value and writes nothing,
 * which ends the loop. Only SCHED_REQUIREMENTS is sent, in merge mode: REGULATION is a vector
 * attribute and merge would replace it whole, so it is never sent back.
 */
public final class SchedRequirementsHook {
    static final String ACTOR = "onehaul hook sched-requirements";

    private final HookContext ctx;

    public SchedRequirementsHook(HookContext ctx) {
        this.ctx = ctx;
    }

    public HookResult run(String xml) {
        CallInfo call = CallInfo.parse(xml);
        if (!call.success()) {
            return HookResult.done("oned refused the call: no VM changed, nothing to do");
        }
        if (progressNoteOnly(call)) {
            return HookResult.done("a migration progress note (" + ProgressNote.PREFIX + "*) merged: nothing to do");
        }
        int vmId = vmId(call);
        VmXml vm;
        try {
            vm = ctx.oned().vmInfo(vmId);
        } catch (OnedException e) {
            if (e.isNotFound()) {
                return HookResult.done("VM " + vmId + " no longer exists: nothing to do");
            }
            throw e;
        }
        if (!PolicyFactsReader.vm(vm).regulated()) {
            return HookResult.done("VM " + vmId + " has no REGULATION: " + SchedRequirements.ATTRIBUTE + " left as it is");
        }
        List<HostXml> hosts = ctx.oned().hostPoolInfo();
        Instant now = ctx.now();
        List<Integer> allowed = new ArrayList<>();
        List<Map<String, String>> judged = new ArrayList<>();
        for (HostXml h : hosts) {
            PolicyJudge.Judgement j = ctx.judge().judge(vm, h, now);
            if (j.allowed()) {
                allowed.add(h.id());
            }
            judged.add(Map.of("host", h.name(), "host_id", String.valueOf(h.id()), "decision",
                    j.decision().outcome().name(), "codes", j.codes()));
        }
        String current = vm.userAttribute(SchedRequirements.ATTRIBUTE);
        String wanted = SchedRequirements.wanted(current, allowed);
        if (wanted.equals(current.strip())) {
            return HookResult.done("VM " + vmId + ": " + SchedRequirements.ATTRIBUTE + " = \"" + wanted + "\" already");
        }
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("event", "vm.sched_requirements");
        rec.put("actor", ACTOR);
        rec.put("vm_id", vmId);
        rec.put("vm_name", vm.name());
        rec.put("vm_owner", vm.owner());
        rec.put("previous", current);
        rec.put("sched_requirements", wanted);
        rec.put("hosts", judged);
        try {
            ctx.audit(rec); // before the change, so that no change goes unrecorded
        } catch (IOException | RuntimeException e) {
            return HookResult.failed("audit log " + ctx.auditPath() + " cannot be written, "
                    + SchedRequirements.ATTRIBUTE + " not changed: " + e.getMessage());
        }
        try {
            ctx.oned().vmUpdate(vmId, TemplateText.attribute(SchedRequirements.ATTRIBUTE, wanted), true);
        } catch (OnedException e) {
            // the audit record above says what was meant; the hook log says it did not happen
            return HookResult.failed("VM " + vmId + ": " + SchedRequirements.ATTRIBUTE + " = \"" + wanted
                    + "\" could not be written: " + e.getMessage());
        }
        String summary = "VM " + vmId + ": " + SchedRequirements.ATTRIBUTE + " = \"" + wanted + "\" (" + allowed.size()
                + " of " + hosts.size() + " hosts allowed)";
        return allowed.isEmpty()
                ? HookResult.doneWithWarning(summary, "policy: no host may run regulated VM " + vmId + " (" + vm.name()
                        + "), it stays pending: " + SchedRequirements.ATTRIBUTE + " = \"" + wanted + "\"")
                : HookResult.done(summary);
    }

    /**
     * A live migration merges its progress attributes every few seconds; each update fires this hook, which
     * then has nothing to recompute (they touch neither REGULATION nor the hosts) and returns before asking
     * oned anything. A replace (IN 4 = 0) drops SCHED_REQUIREMENTS too, so it is never skipped.
     */
    private static boolean progressNoteOnly(CallInfo call) {
        return call.extra("VM").isEmpty() && call.inInt(4, "update mode", 0) == 1
                && call.in(3).map(ProgressNote::isProgressOnly).orElse(false);
    }

    /** allocate: OUT 2 (cross-checked with the VM in EXTRA); update: IN 2. */
    private static int vmId(CallInfo call) {
        Optional<Element> allocated = call.extra("VM");
        if (allocated.isPresent()) {
            int id = call.outInt(2, "new VM id");
            int inExtra = Xml.intText(allocated.get(), -1, "ID");
            if (id != inExtra) {
                throw new BadInputException("$API: OUT 2 names VM " + id + " but EXTRA holds VM " + inExtra);
            }
            return id;
        }
        return call.inInt(2, "VM id");
    }
}
