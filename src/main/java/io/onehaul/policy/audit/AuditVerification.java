package io.onehaul.policy.audit;

/**
 * The result of {@link AuditLog#verify}: OK with the number of records and the last hash, or the first
 * sequence number at which the chain is broken and why.
 */
public record AuditVerification(boolean ok, long records, String lastHash, long brokenSeq, String problem) {
    static AuditVerification intact(long records, String lastHash) {
        return new AuditVerification(true, records, lastHash, -1, "");
    }

    static AuditVerification broken(long records, long seq, String problem) {
        return new AuditVerification(false, records, "", seq, problem);
    }

    public String describe() {
        return ok ? "OK: " + records + " records, last hash " + lastHash
                : "BROKEN at seq " + brokenSeq + ": " + problem;
    }
}
