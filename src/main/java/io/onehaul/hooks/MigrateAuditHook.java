package io.onehaul.hooks;

import io.onehaul.oned.OnedException;
import io.onehaul.opennebula.HistoryRecord;
import io.onehaul.opennebula.HostXml;
import io.onehaul.opennebula.VmXml;
import io.onehaul.opennebula.Xml;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.w3c.dom.Element;

/**
 * {@code onehaul hook migrate-audit}: API hook on {@code one.vm.migrate}. It runs after oned answered the
 * call (it cannot veto, reference §5.3) and appends one audit record: which VM, whose, from where to
 * where, live or not, whether oned accepted the call, and the policy decision for the destination with
 * the certificates it was made on. A refused call (RESULT 0) is recorded from $API alone: it moved
 * nothing, and its VM or host may not even exist. It only ever appends, so a retried run just adds a
 * second record of the same call.
 *
 * <p>In 7.x the scheduler's own migrations fire no one.vm.migrate hook; placement-check sees those.
 */
public final class MigrateAuditHook {
    static final String ACTOR = "onehaul hook migrate-audit";
    /** $API masks IN 1, the session, as "****": who called is not in the event. */
    static final String CALLER_UNKNOWN = "not available: oned masks the session in $API";
    static final String REFUSED = "n/a: oned refused the call";

    private final HookContext ctx;

    public MigrateAuditHook(HookContext ctx) {
        this.ctx = ctx;
    }

    /** The call's parameters as the client sent them (IN 2..7; the CLI sends all, trailing ones may be absent). */
    record Request(int vmId, int hostId, boolean live, boolean enforce, int dsId, int type) {
        static Request of(CallInfo call) {
            return new Request(call.inInt(2, "VM id"), call.inInt(3, "host id"), call.inBool(4, "live", false),
                    call.inBool(5, "enforce", false), call.inInt(6, "datastore id", -1), call.inInt(7, "migration type", 0));
        }

        String typeName() {
            return switch (type) {
                case 0 -> "save";
                case 1 -> "poweroff";
                case 2 -> "poweroff-hard";
                default -> "type " + type;
            };
        }
    }

    public HookResult run(String xml) {
        CallInfo call = CallInfo.parse(xml);
        Request req = Request.of(call); // all of $API is checked before anything is written
        Map<String, Object> rec = base(req);
        if (!call.success()) {
            rec.put("call", "refused");
            rec.put("oned_error", call.out(2).map(CallInfo::oneLine).orElse(""));
            rec.put("oned_error_code", call.out(3).map(String::strip).orElse(""));
            rec.put("decision", REFUSED);
            return append(rec, HookResult.done("audited: one.vm.migrate of VM " + req.vmId() + " to host " + req.hostId()
                    + " refused by oned: " + rec.get("oned_error")));
        }
        rec.put("call", "accepted");
        VmXml vm;
        HostXml to;
        try {
            vm = ctx.oned().vmInfo(req.vmId());
            to = ctx.oned().hostInfo(req.hostId());
        } catch (OnedException e) {
            // the move is under way whatever we can read: record it, and fail so the hook log shows why
            rec.put("decision", "n/a: oned could not be read: " + e.getMessage());
            return append(rec, HookResult.failed("VM " + req.vmId() + " migrating to host " + req.hostId()
                    + ": audited without a policy decision, oned could not be read: " + e.getMessage()));
        }
        rec.put("vm_name", vm.name());
        rec.put("vm_owner", vm.owner());
        rec.put("vm_owner_uid", vm.uid());
        rec.put("to", to.name());
        placement(vm, req, rec);
        PolicyJudge.Judgement j = ctx.judge().judge(vm, to, ctx.now());
        rec.putAll(j.auditFields());
        String line = "VM " + req.vmId() + " (" + vm.name() + ", owner " + vm.owner() + ") migrating " + rec.get("from")
                + " -> " + to.name() + ": " + j.decision().outcome() + " " + j.codes();
        HookResult result = j.allowed() ? HookResult.done("audited: " + line)
                : HookResult.doneWithWarning("audited: " + line, "policy violation: " + line + " (oned accepted the call)");
        return append(rec, result);
    }

    private static Map<String, Object> base(Request req) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("event", "vm.migrate");
        f.put("actor", ACTOR);
        f.put("caller", CALLER_UNKNOWN);
        f.put("vm_id", req.vmId());
        f.put("to_host_id", req.hostId());
        f.put("live", req.live());
        f.put("enforce", req.enforce());
        f.put("ds_id", req.dsId());
        // what was asked; oned ignores the type of a live request for a running VM (the record's
        // "migration_type" says what oned did, once the history shows it)
        f.put("migration_type", req.live() ? "live" : req.typeName());
        return f;
    }

    /**
     * Where from, which kind, and how it went, from the VM's history as oned records it
     * ({@link PlacementHistory}): the hook runs after the call returned, while the migration may still
     * be under way, done, or failed and undone. oned keeps with the source record the user id of
     * whoever asked for the action that closed it.
     */
    private static void placement(VmXml vm, Request req, Map<String, Object> rec) {
        PlacementHistory history = PlacementHistory.of(vm);
        List<HistoryRecord> h = vm.history();
        List<Element> elements = Xml.children(Xml.child(vm.element(), "HISTORY_RECORDS").orElse(null), "HISTORY");
        Optional<PlacementHistory.Move> move = history.lastMoveTo(req.hostId());
        if (move.isPresent()) {
            PlacementHistory.Move m = move.get();
            int from = h.indexOf(m.from());
            rec.put("from", m.from().hostname());
            rec.put("from_host_id", m.from().hostId());
            rec.put("history_seq", m.to().seq());
            rec.put("action_uid", Xml.intText(elements.get(from), -1, "UID"));
            rec.put("action_request_id", Xml.intText(elements.get(from), -1, "REQUEST_ID"));
            rec.put("migration_type", m.kind().isEmpty() ? req.typeName() : m.kind());
            rec.put("outcome", m.outcome().label());
        } else {
            rec.put("from", "?");
            rec.put("outcome", "not in the VM's history");
        }
        rec.put("vm_state", VmStates.name(vm.state(), vm.lcmState()));
        history.hostNow().ifPresent(host -> rec.put("vm_now_on", host));
    }

    private HookResult append(Map<String, Object> rec, HookResult result) {
        try {
            ctx.audit(rec);
            return result;
        } catch (IOException | RuntimeException e) {
            return HookResult.failed("audit log " + ctx.auditPath() + " cannot be written: " + e.getMessage());
        }
    }
}
