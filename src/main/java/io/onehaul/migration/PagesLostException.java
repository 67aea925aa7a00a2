package io.onehaul.migration;

/**
 * Post-copy lost its page source (the source's CRIU, its host or the link died) before every page reached
 * the destination. The destination copy has been killed so that it never runs on with missing pages;
 * {@link #sourceMayResume()} says whether the held source still has its memory.
 */
public final class PagesLostException extends RuntimeException {
    private final boolean sourceMayResume;

    public PagesLostException(String message, boolean sourceMayResume) {
        super(message);
        this.sourceMayResume = sourceMayResume;
    }

    public boolean sourceMayResume() {
        return sourceMayResume;
    }
}
