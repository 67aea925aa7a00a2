package io.onehaul.hooks;

import io.onehaul.oned.OnedException;
import io.onehaul.opennebula.BadInputException;
import io.onehaul.opennebula.HistoryRecord;
import io.onehaul.opennebula.HostXml;
import io.onehaul.opennebula.VmXml;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code onehaul hook placement-check}: state hook for VM ACTIVE/RUNNING. It is the one place that sees
 * every arrival, scheduler and DRS migrations included (they fire no one.vm.migrate hook in 7.x). It
 * decides for the host of the VM's newest history record, audits the decision, and when the policy
 * refuses that host applies {@code policy.remediation}.
 *
 * <p>$TEMPLATE says which placement the event is about (history SEQ and host); what is judged is oned's
 * current VM (one.vm.info), because the hook runs seconds later and a retry much later: if the VM has
 * left that placement meanwhile, there is nothing left to judge. Before acting, the hook writes
 * ONEHAUL_POLICY_VIOLATION naming the placement, and it never acts on a placement that note already
 * names: a repeated or retried run does not migrate or power off twice.
 */
public final class PlacementCheckHook {
    static final String ACTOR = "onehaul hook placement-check";

    private final HookContext ctx;

    public PlacementCheckHook(HookContext ctx) {
        this.ctx = ctx;
    }

    public HookResult run(String xml) {
        VmXml event = VmXml.parse(xml);
        HistoryRecord at = event.currentHistory().orElseThrow(() -> new BadInputException(
                "$TEMPLATE: VM " + event.id() + " has no HISTORY record, so it is on no host"));
        Remediation mode = Remediation.from(ctx.config()); // a bad setting stops the run before oned is asked
        VmXml vm;
        try {
            vm = ctx.oned().vmInfo(event.id());
        } catch (OnedException e) {
            if (e.isNotFound()) {
                return HookResult.done("VM " + event.id() + " no longer exists: nothing to check");
            }
            throw e;
        }
        Optional<HistoryRecord> current = vm.currentHistory();
        if (current.isEmpty() || current.get().seq() != at.seq() || current.get().hostId() != at.hostId()) {
            return HookResult.done("VM " + vm.id() + " is no longer on host " + at.hostname() + " (history seq " + at.seq()
                    + ")" + current.map(c -> ", now seq " + c.seq() + " on " + c.hostname()).orElse("") + ": nothing to do");
        }
        HostXml host = ctx.oned().hostInfo(at.hostId());
        PolicyJudge.Judgement j = ctx.judge().judge(vm, host, ctx.now());
        Arrival arrival = Arrival.of(vm);
        PlacementHistory history = PlacementHistory.of(vm);
        Map<String, Object> rec = record("vm.placement", vm, at, host);
        rec.put("arrival", arrival.label());
        history.placedBefore().ifPresent(p -> rec.put("from", p.hostname()));
        // oned's record of the migration that did not happen and whose undoing opened this placement
        history.failedMoveBeforeCurrent().ifPresent(f -> rec.put("failed_migration_to", f.hostname()));
        rec.putAll(j.auditFields());
        String line = "VM " + vm.id() + " (" + vm.name() + ", owner " + vm.owner() + ") on host " + host.name()
                + " (history seq " + at.seq() + ", " + arrival.label() + "): " + j.decision().outcome() + " " + j.codes();
        if (j.allowed()) {
            rec.put("remediation", "none");
            return append(rec, HookResult.done(line));
        }
        Optional<ViolationMarker> marker = ViolationMarker.parse(vm.userAttribute(ViolationMarker.ATTRIBUTE));
        if (marker.isPresent() && marker.get().records(at.seq(), at.hostId())) {
            rec.put("remediation", "none: already handled, " + ViolationMarker.ATTRIBUTE + " names history seq " + at.seq());
            return append(rec, HookResult.doneWithWarning(line + "; already handled",
                    "policy violation: " + line + "; already handled by an earlier run"));
        }
        RemediationPlan plan = plan(mode, arrival, vm);
        rec.put("remediation_setting", mode.setting());
        rec.put("remediation", plan.describe());
        HookResult audited = append(rec, null);
        if (audited != null) {
            return audited; // nothing is done that the audit log does not show
        }
        return remediate(vm, at, host, j, plan, line);
    }

    private RemediationPlan plan(Remediation mode, Arrival arrival, VmXml vm) {
        if (mode == Remediation.NOTIFY) {
            return RemediationPlan.notify(null);
        }
        if (arrival == Arrival.STAYED) {
            return RemediationPlan.notify(mode.setting() + " is for arrivals; the VM was already on this host");
        }
        if (mode == Remediation.POWEROFF) {
            return RemediationPlan.poweroff();
        }
        if (arrival != Arrival.MIGRATION) {
            return RemediationPlan.notify("migrate-back configured, but the VM was deployed here: no host to go back to");
        }
        HistoryRecord prev = PlacementHistory.of(vm).placedBefore().orElseThrow();
        HostXml back;
        try {
            back = ctx.oned().hostInfo(prev.hostId());
        } catch (OnedException e) {
            return RemediationPlan.notify("migrate-back configured, but the previous host " + prev.hostname()
                    + " cannot be read: " + e.getMessage());
        }
        PolicyJudge.Judgement jb = ctx.judge().judge(vm, back, ctx.now());
        if (!jb.allowed()) {
            return RemediationPlan.notify("migrate-back configured, but the previous host " + back.name()
                    + " is refused too: " + jb.codes());
        }
        // a running VM goes back live (what it came with); otherwise oned would refuse a live move anyway
        boolean live = vm.state() == 3 && vm.lcmState() == 3;
        return RemediationPlan.migrateBack(back.id(), back.name(), live);
    }

    private HookResult remediate(VmXml vm, HistoryRecord at, HostXml host, PolicyJudge.Judgement j,
                                 RemediationPlan plan, String line) {
        Map<String, Object> outcome = record("vm.placement.remediation", vm, at, host);
        outcome.put("remediation", plan.describe());
        String note = ViolationMarker.text(ctx.now(), j.codes(), host.name(), host.id(), at.seq(), plan.describe());
        try {
            // the note first: once it is there, no later run acts on this placement again
            ctx.oned().vmUpdate(vm.id(), TemplateText.attribute(ViolationMarker.ATTRIBUTE, note), true);
        } catch (OnedException e) {
            outcome.put("result", "failed: " + ViolationMarker.ATTRIBUTE + " not written, nothing done: " + e.getMessage());
            return append(outcome, HookResult.failed("policy violation: " + line + "; could not write "
                    + ViolationMarker.ATTRIBUTE + ", so no remediation was done: " + e.getMessage()));
        }
        try {
            plan.execute(ctx.oned(), vm.id());
        } catch (OnedException e) {
            outcome.put("result", "failed: " + e.getMessage());
            try { // best effort: the owner should not read that it was done
                ctx.oned().vmUpdate(vm.id(), TemplateText.attribute(ViolationMarker.ATTRIBUTE,
                        note + " FAILED: " + e.detail()), true);
            } catch (OnedException ignored) {
                // the audit record and the hook log carry the failure
            }
            return append(outcome, HookResult.failed("policy violation: " + line + "; " + plan.describe()
                    + " failed: " + e.getMessage()));
        }
        outcome.put("result", "done");
        return append(outcome, HookResult.doneWithWarning(line + "; " + plan.describe(),
                "policy violation: " + line + "; remediation: " + plan.describe()));
    }

    private static Map<String, Object> record(String event, VmXml vm, HistoryRecord at, HostXml host) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("event", event);
        f.put("actor", ACTOR);
        f.put("vm_id", vm.id());
        f.put("vm_name", vm.name());
        f.put("vm_owner", vm.owner());
        f.put("vm_owner_uid", vm.uid());
        f.put("host", host.name());
        f.put("host_id", host.id());
        f.put("history_seq", at.seq());
        return f;
    }

    /** Appends; returns {@code result} (null allowed) when written, a failure result when not. */
    private HookResult append(Map<String, Object> rec, HookResult result) {
        try {
            ctx.audit(rec);
            return result;
        } catch (IOException | RuntimeException e) {
            return HookResult.failed("audit log " + ctx.auditPath() + " cannot be written: " + e.getMessage());
        }
    }
}
