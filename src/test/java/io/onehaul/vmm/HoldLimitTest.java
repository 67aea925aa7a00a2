package io.onehaul.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.transfer.TransferBudget;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The hold's hard limit follows the migration: its copies in the freeze and its restore, not a fixed figure. */
class HoldLimitTest {
    @Test
    void a_small_container_on_a_fast_link_is_held_minutes_at_most_not_the_checkpoint_timeout_of_any_size() {
        TransferBudget lan = new TransferBudget(100L << 20, 0, Duration.ofSeconds(300));
        Duration copies = lan.timeout(70L << 20); // 64 MiB image + a few MiB of dump
        Duration limit = HoldLimit.hold(copies, HoldLimit.restore(64L << 20));
        assertEquals(HoldLimit.MARGIN.plus(TransferBudget.SETUP).plusSeconds(3).plus(HoldLimit.RESTORE_SETUP).plusSeconds(4),
                limit);
    }

    @Test
    void a_big_memory_over_a_slow_link_is_held_as_long_as_its_copy_and_restore_may_take_beyond_300_s() {
        TransferBudget wan = new TransferBudget(10L << 20, 0, Duration.ofSeconds(300)); // ~84 Mbit/s
        long memory = 4L << 30;
        Duration limit = HoldLimit.hold(wan.timeout(memory), HoldLimit.restore(memory));
        // 3 x 410 s for the copy alone: a 300 s hold would have resumed the source under a restoring destination
        assertTrue(limit.toSeconds() > 1300, limit.toString());
        assertEquals(Duration.ofSeconds(60 + 205), HoldLimit.restore(memory));
    }

    @Test
    void an_unknown_memory_size_still_gets_the_restores_setup() {
        assertEquals(HoldLimit.RESTORE_SETUP, HoldLimit.restore(0));
        assertEquals(HoldLimit.RESTORE_SETUP, HoldLimit.restore(-1));
    }
}
