package io.onehaul.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which strategy runs, from both hosts' features, the memory, the link and the settings, and the reason given. */
class StrategyChoiceTest {
    static final long MIB = 1L << 20;
    /** These machines: no soft-dirty, uffd on, a fast link. */
    static final HostFeatures HERE_SMALL = new HostFeatures(false, true, true, 250 * MIB, 64 * MIB, "");
    static final HostFeatures HERE_BIG = new HostFeatures(false, true, true, 250 * MIB, 1024 * MIB, "");
    /** Hosts with a stock kernel: soft-dirty tracking on. */
    static final HostFeatures STOCK_KERNEL = new HostFeatures(true, true, true, 250 * MIB, 1024 * MIB, "");
    /** A driver with every step. */
    static final Set<Capability> ALL = EnumSet.allOf(Capability.class);
    /** A driver that cannot pre-dump. */
    static final Set<Capability> NO_PRE_DUMP = EnumSet.of(Capability.PAGE_SERVER, Capability.LAZY_PAGES,
            Capability.COLD_MOVE);

    static MigrationSettings auto(double target) {
        return new MigrationSettings(List.of(), target, false);
    }

    @Test
    void auto_takes_the_safest_strategy_that_meets_the_target_streamed_for_a_small_container() {
        StrategyChoice.Choice c = StrategyChoice.choose(auto(2.0), HERE_SMALL, ALL);
        assertEquals("streamed", c.strategy().name());
        assertTrue(c.reason().startsWith("auto: the safest strategy expected to meet the 2.0 s target"), c.reason());
    }

    @Test
    void auto_takes_post_copy_when_the_memory_is_too_big_to_stream_within_the_target() {
        StrategyChoice.Choice c = StrategyChoice.choose(auto(2.0), HERE_BIG, ALL);
        assertEquals("post-copy", c.strategy().name(), c.reason());
        assertTrue(c.reason().contains("streamed ~5.1 s"), c.reason());
    }

    @Test
    void auto_never_picks_what_a_host_lacks_and_says_what_is_missing() {
        HostFeatures noUffd = new HostFeatures(false, false, true, 250 * MIB, 1024 * MIB,
                "userfaultfd (criu check --feature uffd-noncoop) on h2");
        StrategyChoice.Choice c = StrategyChoice.choose(auto(2.0), noUffd, ALL);
        assertEquals("streamed", c.strategy().name(), "the shortest of what can run");
        assertTrue(c.reason().contains("no strategy is expected to meet") && c.reason().contains("uffd-noncoop) on h2"),
                c.reason());
    }

    @Test
    void with_soft_dirty_tracking_pre_copy_is_preferred_over_post_copy() {
        HostFeatures withDirty = new HostFeatures(true, true, true, 250 * MIB, 1024 * MIB, "");
        assertEquals("pre-copy", StrategyChoice.choose(auto(2.0), withDirty, ALL).strategy().name());
    }

    @Test
    void auto_never_picks_what_the_driver_cannot_run_even_where_both_hosts_could() {
        StrategyChoice.Choice c = StrategyChoice.choose(auto(2.0), STOCK_KERNEL, NO_PRE_DUMP);
        assertEquals("post-copy", c.strategy().name(), c.reason());
        assertTrue(c.reason().contains("pre-copy: this driver cannot pre-dump memory while the container runs"), c.reason());
        assertTrue(c.reason().contains("hybrid: this driver cannot pre-dump"), c.reason());
    }

    @Test
    void a_list_whose_strategies_the_driver_cannot_run_is_refused_before_anything_moves() {
        MigrationSettings s = new MigrationSettings(List.of("hybrid", "pre-copy"), 2.0, false);
        MigrationRefusedException e = assertThrows(MigrationRefusedException.class,
                () -> StrategyChoice.choose(s, STOCK_KERNEL, NO_PRE_DUMP));
        assertTrue(e.getMessage().contains("pre-copy: this driver cannot pre-dump"), e.getMessage());
    }

    @Test
    void a_driver_with_only_stop_and_copy_gets_stop_and_copy_whatever_the_hosts_offer() {
        StrategyChoice.Choice c = StrategyChoice.choose(auto(2.0), STOCK_KERNEL, Set.of());
        assertEquals("stop-and-copy", c.strategy().name(), c.reason());
        assertTrue(c.reason().contains("streamed: this driver cannot stream pages to a CRIU page server"), c.reason());
    }

    @Test
    void a_list_takes_the_first_allowed_strategy_both_hosts_support() {
        MigrationSettings s = new MigrationSettings(List.of("pre-copy", "post-copy", "streamed"), 2.0, false);
        StrategyChoice.Choice c = StrategyChoice.choose(s, HERE_BIG, ALL);
        assertEquals("post-copy", c.strategy().name());
        assertTrue(c.reason().contains("not pre-copy: no soft-dirty tracking"), c.reason());
    }

    @Test
    void a_list_nothing_of_which_can_run_refuses_before_anything_moves() {
        MigrationSettings s = new MigrationSettings(List.of("pre-copy", "hybrid"), 2.0, false);
        MigrationRefusedException e = assertThrows(MigrationRefusedException.class, () -> StrategyChoice.choose(s, HERE_BIG, ALL));
        assertTrue(e.getMessage().contains("pre-copy: no soft-dirty tracking"), e.getMessage());
    }

    @Test
    void strategy_names_and_yes_no_values_are_checked() {
        assertEquals(List.of(), MigrationSettings.parseStrategies(" Auto ", "x"));
        assertEquals(List.of("post-copy", "streamed"), MigrationSettings.parseStrategies("post-copy, streamed post-copy", "x"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MigrationSettings.parseStrategies("postcopy", "VM 3 USER_TEMPLATE"));
        assertTrue(e.getMessage().contains("unknown migration strategy 'postcopy'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MigrationSettings.parseYesNo("maybe", "x"));
        assertThrows(IllegalArgumentException.class, () -> new MigrationSettings(List.of(), 0, false));
    }
}
