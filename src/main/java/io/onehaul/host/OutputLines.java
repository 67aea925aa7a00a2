package io.onehaul.host;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts a command's output into lines as it arrives, at {@code \n} and at {@code \r} (rsync and other
 * progress meters redraw one terminal line with {@code \r}), and hands each non-empty line to a listener.
 * Bytes are kept until their line ends, so a line split across reads (or a UTF-8 character split across
 * them) arrives whole. A listener that throws is told nothing more: watching output must never break the
 * command that produces it.
 */
public final class OutputLines {
    private static final Logger log = LoggerFactory.getLogger(OutputLines.class);
    private final Consumer<String> listener;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private boolean failed;

    public OutputLines(Consumer<String> listener) {
        this.listener = listener;
    }

    /** The whole output at once (what a shell that cannot stream hands over when the command ended). */
    public static void each(String output, Consumer<String> listener) {
        OutputLines lines = new OutputLines(listener);
        byte[] b = output.getBytes(StandardCharsets.UTF_8);
        lines.write(b, 0, b.length);
        lines.finish();
    }

    public void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (b[i] == '\n' || b[i] == '\r') {
                emit();
            } else {
                line.write(b[i]);
            }
        }
    }

    /** The output ended: its last line may have had no line end. */
    public void finish() {
        emit();
    }

    private void emit() {
        if (line.size() == 0) {
            return;
        }
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (failed) {
            return;
        }
        try {
            listener.accept(text);
        } catch (RuntimeException e) {
            failed = true;
            log.debug("an output listener failed on '{}'; it gets no further lines", text, e);
        }
    }
}
