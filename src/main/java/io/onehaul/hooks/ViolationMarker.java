package io.onehaul.hooks;

import java.time.Instant;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code USER_TEMPLATE/ONEHAUL_POLICY_VIOLATION}: the note placement-check leaves on a VM found on a
 * refused host, e.g. {@code 2026-11-27T12:00:00Z COUNTRY_NOT_ALLOWED on host h2 (id 8), history seq 1;
 * remediation: migrate-back to h1 (id 7)}. The owner sees it in {@code onevm show}; the hook reads it
 * back to recognise an event it has already handled (the history SEQ and host identify the placement),
 * so a retried or repeated hook run never migrates or powers off a second time.
 */
public record ViolationMarker(int seq, int hostId) {
    public static final String ATTRIBUTE = "ONEHAUL_POLICY_VIOLATION";
    private static final Pattern PLACEMENT = Pattern.compile("\\(id (-?\\d+)\\), history seq (\\d+)");

    public static String text(Instant time, String codes, String hostName, int hostId, int seq, String remediation) {
        return time + " " + codes + " on host " + hostName + " (id " + hostId + "), history seq " + seq
                + "; remediation: " + remediation;
    }

    /** Empty when the attribute is absent or was not written by this hook. */
    public static Optional<ViolationMarker> parse(String value) {
        Matcher m = PLACEMENT.matcher(value == null ? "" : value);
        if (!m.find()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ViolationMarker(Integer.parseInt(m.group(2)), Integer.parseInt(m.group(1))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public boolean records(int seq, int hostId) {
        return this.seq == seq && this.hostId == hostId;
    }
}
