package io.onehaul.hooks;

/**
 * How a hook run ended. onehem stores the exit code, stdout and stderr in the hook log and nothing
 * reaches oned (reference §5.3), so each run says what it did in one stdout line and, when an operator
 * should look (a policy violation, a failure), in one stderr line.
 *
 * @param exit   0 done (whatever the decision), 1 the hook could not do its job, 2 bad input (nothing touched)
 * @param out    the summary line for stdout, or null
 * @param err    the line for stderr, or null
 */
public record HookResult(int exit, String out, String err) {
    public static final int DONE = 0;
    public static final int FAILED = 1;
    public static final int BAD_INPUT = 2;

    public static HookResult done(String summary) {
        return new HookResult(DONE, summary, null);
    }

    /** Done, and something an operator should see in the hook log's STDERR. */
    public static HookResult doneWithWarning(String summary, String warning) {
        return new HookResult(DONE, summary, warning);
    }

    public static HookResult failed(String why) {
        return new HookResult(FAILED, null, why);
    }
}
