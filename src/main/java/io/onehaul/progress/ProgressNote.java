package io.onehaul.progress;

import io.onehaul.opennebula.TemplateSyntax;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What the VM's USER_TEMPLATE says about its migration, as flat attributes (one.vm.update merge mode
 * replaces exactly these and leaves the rest of the template alone). Every note carries all five, so
 * a value from an earlier phase (bytes, a reason) never lingers next to a later one.
 *
 * @param phase    the phase running; at the end the last one reached
 * @param progress e.g. "412 MiB of 1024 MiB (40%)"; empty when the phase moves no bytes
 * @param result   empty while running; the report's summary when done; the reason when failed
 */
public record ProgressNote(State state, String phase, String progress, String result, Instant updated) {
    public static final String PREFIX = "ONEHAUL_MIGRATION_";
    public static final String STATE = PREFIX + "STATE";
    public static final String PHASE = PREFIX + "PHASE";
    public static final String PROGRESS = PREFIX + "PROGRESS";
    public static final String RESULT = PREFIX + "RESULT";
    public static final String UPDATED = PREFIX + "UPDATED";
    /** The VM log holds the whole text; the template keeps a readable line, not a stack of stderr. */
    static final int MAX_RESULT_CHARS = 1000;
    private static final long MIB = 1 << 20;
    /**
     * One of our attributes per line, every quote inside the value escaped (so no value can end early and
     * let another attribute in on the same line, as oned's lexer would read it).
     */
    private static final Pattern OUR_LINE = Pattern.compile(
            Pattern.quote(PREFIX) + "[A-Z0-9_]+ = \"(?:[^\"]|(?<=\\\\)\")*\"");

    public enum State {
        RUNNING, DONE, FAILED;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static ProgressNote running(String phase, long bytesDone, long bytesTotal, Instant at) {
        return new ProgressNote(State.RUNNING, phase, bytes(bytesDone, bytesTotal), "", at);
    }

    public static ProgressNote ended(State state, String lastPhase, String result, Instant at) {
        String r = result == null ? "" : result.strip();
        if (r.length() > MAX_RESULT_CHARS) {
            r = r.substring(0, MAX_RESULT_CHARS - 1) + "…";
        }
        return new ProgressNote(state, lastPhase, "", r, at);
    }

    /** "412 MiB of 1024 MiB (40%)", "412 MiB" without a total, "" without a count. */
    static String bytes(long done, long total) {
        if (done < 0) {
            return "";
        }
        if (total <= 0) {
            return (done / MIB) + " MiB";
        }
        long t = Math.max(total, done); // a total measured before the copy may have grown since
        long percent = t == 0 ? 100 : Math.min(100, done * 100 / t);
        return (done / MIB) + " MiB of " + (t / MIB) + " MiB (" + percent + "%)";
    }

    /** The text for {@code one.vm.update} in merge mode, one attribute per line. */
    public String template() {
        return TemplateSyntax.single(STATE, state.toString()) + "\n"
                + TemplateSyntax.single(PHASE, phase == null ? "" : phase) + "\n"
                + TemplateSyntax.single(PROGRESS, progress) + "\n"
                + TemplateSyntax.single(RESULT, result) + "\n"
                + TemplateSyntax.single(UPDATED, updated.truncatedTo(ChronoUnit.SECONDS).toString()) + "\n";
    }

    /**
     * Whether an update's template holds nothing but these attributes (so the API hooks that react to
     * one.vm.update can tell a progress note from a change that matters to them).
     */
    public static boolean isProgressOnly(String template) {
        if (template == null || template.isBlank()) {
            return false;
        }
        return template.lines().filter(l -> !l.isBlank()).allMatch(l -> OUR_LINE.matcher(l.strip()).matches());
    }
}
