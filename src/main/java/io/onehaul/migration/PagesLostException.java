package io.onehaul.migration;

/**
 * Post-copy lost its page source (the source's CRIU, its host or the link died) before every page reached
 * the destination. The destination copy has been killed so that it never runs on with missing pages,
 * unless neither copy could be told which lives ({@link #bothHeld}); {@link #sourceMayResume()} says
 * whether the held source still has its memory.
 */
public final class PagesLostException extends RuntimeException {
    private final boolean sourceMayResume;
    private final boolean bothHeld;

    public PagesLostException(String message, boolean sourceMayResume) {
        this(message, sourceMayResume, false);
    }

    private PagesLostException(String message, boolean sourceMayResume, boolean bothHeld) {
        super(message);
        this.sourceMayResume = sourceMayResume;
        this.bothHeld = bothHeld;
    }

    /**
     * The source could not be reached to resume it: the destination copy was frozen, not killed, and the
     * held source was left as it is; the message says where each is and how to settle it. Nothing may be
     * rolled back.
     */
    public static PagesLostException bothHeld(String message) {
        return new PagesLostException(message, true, true);
    }

    public boolean sourceMayResume() {
        return sourceMayResume;
    }

    /** See {@link #bothHeld}. */
    public boolean bothHeld() {
        return bothHeld;
    }
}
