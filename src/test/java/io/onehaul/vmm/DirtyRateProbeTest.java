package io.onehaul.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The probe's answer, "BYTES SECONDS", as a rate; anything else is "not measured". */
class DirtyRateProbeTest {
    @Test
    void bytes_over_the_window_is_the_rate() {
        assertEquals(64L << 20, DirtyRateProbe.parse("33554432 0.500\n"));
    }

    @Test
    void an_answer_that_is_not_two_numbers_is_unknown() {
        assertEquals(-1, DirtyRateProbe.parse(""));
        assertEquals(-1, DirtyRateProbe.parse("lots 0.5"));
        assertEquals(-1, DirtyRateProbe.parse("100 0"));
    }
}
