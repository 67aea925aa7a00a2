package io.onehaul.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    /** Hosts with a stock kernel: soft-dirty tracking on; the container writes 10 MiB/s. */
    static final HostFeatures STOCK_KERNEL = new HostFeatures(true, true, true, 250 * MIB, 1024 * MIB, "", 10 * MIB);
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
    void with_soft_dirty_tracking_and_a_writer_the_rounds_outrun_pre_copy_is_preferred_over_post_copy() {
        StrategyChoice.Choice c = StrategyChoice.choose(auto(2.0), STOCK_KERNEL, ALL);
        assertEquals("pre-copy", c.strategy().name(), c.reason());
    }

    @Test
    void a_container_that_writes_faster_than_the_rounds_can_outrun_goes_post_copy_and_the_log_says_why() {
        HostFeatures fastWriter = STOCK_KERNEL.withDirtyRate(240 * MIB); // the link moves 250 MiB/s
        StrategyChoice.Choice c = StrategyChoice.choose(auto(2.0), fastWriter, ALL);
        assertEquals("post-copy", c.strategy().name(), c.reason());
        assertTrue(c.reason().contains("pre-copy: the container writes 240.0 MiB/s, more than rounds over 250.0 MiB/s"
                + " outrun"), c.reason());
        assertFalse(c.reason().contains("hybrid"), c.reason());
    }

    @Test
    void a_write_rate_that_could_not_be_measured_does_not_make_auto_iterate() {
        HostFeatures unknown = STOCK_KERNEL.withDirtyRate(-1);
        StrategyChoice.Choice c = StrategyChoice.choose(auto(2.0), unknown, ALL);
        assertEquals("post-copy", c.strategy().name(), c.reason());
        assertTrue(c.reason().contains("could not be measured"), c.reason());
    }

    @Test
    void an_operator_who_lists_pre_copy_gets_it_whatever_the_write_rate() {
        MigrationSettings s = new MigrationSettings(List.of("pre-copy"), 2.0, false);
        assertEquals("pre-copy", StrategyChoice.choose(s, STOCK_KERNEL.withDirtyRate(900 * MIB), ALL).strategy().name());
    }

    @Test
    void auto_never_picks_what_the_driver_cannot_run_even_where_both_hosts_could() {
        StrategyChoice.Choice c = StrategyChoice.choose(auto(2.0), STOCK_KERNEL, NO_PRE_DUMP);
        assertEquals("post-copy", c.strategy().name(), c.reason());
        assertTrue(c.reason().contains("pre-copy: this driver cannot pre-dump memory while the container runs"), c.reason());
    }

    @Test
    void auto_never_takes_hybrid_whose_lazy_dump_would_send_every_page_again() {
        for (HostFeatures f : List.of(STOCK_KERNEL, STOCK_KERNEL.withDirtyRate(240 * MIB), HERE_BIG)) {
            for (double target : new double[] {0.5, 1.6, 2.0, 30.0}) {
                assertTrue(!StrategyChoice.choose(auto(target), f, ALL).strategy().name().equals("hybrid"));
            }
        }
        MigrationSettings listed = new MigrationSettings(List.of("hybrid"), 2.0, false);
        assertEquals("hybrid", StrategyChoice.choose(listed, STOCK_KERNEL, ALL).strategy().name(), "where listed it runs");
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
