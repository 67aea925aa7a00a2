package io.onehaul.leftover;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.onehaul.leftover.LeftoverVerdict.Action;
import io.onehaul.leftover.LeftoverVerdict.HostView;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LeftoverVerdictTest {
    static final Instant RECORDED = Instant.parse("2026-11-30T03:00:00Z");
    static final Leftover L = new Leftover("h1", 7, "one-7", "/ds/100/7", false, RECORDED, "");

    @Test
    void theStaleDefinitionOrNoneIsCleaned() {
        assertEquals(Action.CLEAN, LeftoverVerdict.decide(L, new HostView(true, RECORDED.minusSeconds(40))));
        assertEquals(Action.CLEAN, LeftoverVerdict.decide(L, new HostView(false, null)));
    }

    @Test
    void aDefinitionWrittenAfterTheRecordIsTheVmsNewPlacementAndIsLeftAlone() {
        assertEquals(Action.VM_PLACED_HERE_AGAIN, LeftoverVerdict.decide(L, new HostView(true, RECORDED.plusSeconds(1))));
    }
}
