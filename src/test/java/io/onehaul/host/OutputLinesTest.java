package io.onehaul.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A command's stdout cut into lines as it arrives, in whatever pieces the channel delivers it. */
class OutputLinesTest {
    private final List<String> lines = new ArrayList<>();
    private final OutputLines splitter = new OutputLines(lines::add);

    private void arrive(String piece) {
        byte[] b = piece.getBytes(StandardCharsets.UTF_8);
        splitter.write(b, 0, b.length);
    }

    @Test
    void aCarriageReturnEndsALineAsANewlineDoes() {
        arrive("\r  1,000  10%  1.00MB/s  0:00:09\r  5,000  50%  1.00MB/s  0:00:05\nTotal bytes sent: 10\r\n");

        assertEquals(List.of("  1,000  10%  1.00MB/s  0:00:09", "  5,000  50%  1.00MB/s  0:00:05", "Total bytes sent: 10"),
                lines, "empty lines between \\r\\n and leading \\r are not handed over");
    }

    @Test
    void aLineArrivesOnlyWhenItEndsAndWholeWhenItCameInPieces() {
        arrive("  1,0");
        assertEquals(List.of(), lines, "a line still being written is kept");
        arrive("00  10%\r  2,");
        assertEquals(List.of("  1,000  10%"), lines, "handed over as soon as its \\r came");
        arrive("000  20%");
        splitter.finish();
        assertEquals(List.of("  1,000  10%", "  2,000  20%"), lines, "the last line needs no line end");
    }

    @Test
    void aCharacterSplitAcrossTwoReadsIsNotBroken() {
        byte[] b = "größe\n".getBytes(StandardCharsets.UTF_8);
        splitter.write(b, 0, 3);          // "gr" and the first byte of "ö"
        splitter.write(b, 3, b.length - 3);

        assertEquals(List.of("größe"), lines);
    }

    @Test
    void aListenerThatThrowsIsToldNothingMoreAndTheOutputGoesOn() {
        List<String> seen = new ArrayList<>();
        OutputLines failing = new OutputLines(l -> {
            seen.add(l);
            throw new IllegalStateException("listener bug");
        });
        byte[] b = "one\ntwo\nthree\n".getBytes(StandardCharsets.UTF_8);

        failing.write(b, 0, b.length);    // does not throw
        failing.finish();

        assertEquals(List.of("one"), seen);
    }

    @Test
    void theWholeOutputAtOnceGivesTheSameLines() {
        OutputLines.each("a\rb\n\nc", lines::add);

        assertEquals(List.of("a", "b", "c"), lines);
    }
}
