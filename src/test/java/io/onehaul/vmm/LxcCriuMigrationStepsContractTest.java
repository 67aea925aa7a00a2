package io.onehaul.vmm;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.migration.Capability;
import io.onehaul.migration.HostFeatures;
import io.onehaul.migration.LiveMigration;
import io.onehaul.migration.MigrationFailedException;
import io.onehaul.migration.MigrationReport;
import io.onehaul.migration.MigrationRequest;
import io.onehaul.migration.MigrationSettings;
import io.onehaul.migration.MigrationSteps;
import io.onehaul.migration.MigrationStrategy;
import io.onehaul.migration.Phase;
import io.onehaul.migration.StrategyChoice;
import io.onehaul.testsupport.MigrationRequests;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract between the strategies and the real driver's steps: a strategy is chosen only where
 * {@link LxcCriuMigrationSteps} has every step it calls. The strategies run here on a stand-in that has
 * exactly the interfaces the real adapter implements, so a step the adapter leaves out fails this test,
 * not a migration on an operator's hosts.
 */
class LxcCriuMigrationStepsContractTest {
    static final List<String> EVERY_STRATEGY = List.of("stop-and-copy", "streamed", "post-copy", "pre-copy", "hybrid");
    /** Hosts that support everything: only the driver can rule a strategy out. */
    static final HostFeatures EVERYTHING = new HostFeatures(true, true, true, 1L << 30, 64L << 20, "");
    static final Set<Capability> DECLARED = Capability.declaredBy(LxcCriuMigrationSteps.class);
    final Clock clock = Clock.fixed(Instant.ofEpochSecond(1_000), ZoneOffset.UTC);

    /** Answers every step with a harmless value and records its name; has exactly {@code interfaces}. */
    static MigrationSteps standIn(List<String> calls, Class<?>... interfaces) {
        return (MigrationSteps) Proxy.newProxyInstance(MigrationSteps.class.getClassLoader(), interfaces,
                (proxy, method, args) -> {
                    calls.add(method.getName());
                    Class<?> t = method.getReturnType();
                    if (method.getName().equals("features")) {
                        return EVERYTHING;
                    }
                    if (t == Instant.class) {
                        return Instant.EPOCH;
                    }
                    if (t == MigrationStrategy.Freeze.class) {
                        return new MigrationStrategy.Freeze(Instant.EPOCH, Instant.EPOCH);
                    }
                    if (t == long.class) {
                        return 0L;
                    }
                    if (t == double.class) {
                        return 0.0;
                    }
                    if (t == boolean.class) {
                        return true;
                    }
                    if (t == int.class) {
                        return System.identityHashCode(proxy);
                    }
                    return null;
                });
    }

    static MigrationSteps likeTheRealAdapter(List<String> calls) {
        return standIn(calls, LxcCriuMigrationSteps.class.getInterfaces());
    }

    static MigrationStrategy.Phases phases() {
        return new MigrationStrategy.Phases() {
            @Override
            public <T> T run(Phase phase, Supplier<T> step) {
                return step.get();
            }

            @Override
            public void addBytes(Phase phase, long bytes) {}

            @Override
            public void note(String text) {}
        };
    }

    static MigrationSettings only(String strategy) {
        return new MigrationSettings(List.of(strategy), 2.0, false);
    }

    @ParameterizedTest
    @ValueSource(strings = {"stop-and-copy", "streamed", "post-copy", "pre-copy", "hybrid"})
    void a_strategy_is_offered_for_the_real_adapter_only_if_it_has_every_step_the_strategy_calls(String name) {
        List<String> calls = new ArrayList<>();
        MigrationSteps steps = likeTheRealAdapter(calls);
        LiveMigration migration = new LiveMigration(steps, clock,
                (hosts, driver) -> StrategyChoice.choose(only(name), hosts, driver));
        MigrationRequest r = MigrationRequests.oneThreeToH2(false);
        if (DECLARED.containsAll(needs(name))) {
            MigrationReport report = assertDoesNotThrow(() -> migration.run(r), name + " was offered, so it must run");
            assertEquals(name, report.strategy);
            assertEquals("success", report.result);
        } else {
            MigrationFailedException e = assertThrows(MigrationFailedException.class, () -> migration.run(r));
            assertEquals("refused", e.report().result, e.getMessage());
            assertTrue(e.getMessage().contains(name + ": this driver cannot"), e.getMessage());
            assertTrue(calls.stream().noneMatch(c -> c.equals("presync") || c.equals("dumpAndHold")),
                    "nothing moved: " + calls);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stop-and-copy", "streamed", "post-copy", "pre-copy", "hybrid"})
    void what_a_strategy_says_it_needs_is_all_it_calls(String name) {
        MigrationStrategy strategy = StrategyChoice.choose(only(name), EVERYTHING, Set.of(Capability.values())).strategy();
        List<Class<?>> interfaces = new ArrayList<>(List.of(MigrationSteps.class));
        strategy.needs().forEach(c -> interfaces.add(c.steps()));
        MigrationSteps steps = standIn(new ArrayList<>(), interfaces.toArray(Class<?>[]::new));
        MigrationRequest r = MigrationRequests.oneThreeToH2(false);
        assertDoesNotThrow(() -> {
            strategy.beforeFreeze(r, steps, phases());
            strategy.freeze(r, steps, phases());
            strategy.beforeRelease(r, steps, phases());
        }, name + " calls a step outside what it says it needs: " + strategy.needs());
    }

    @Test
    void auto_on_hosts_that_support_everything_picks_only_what_the_real_adapter_can_run() {
        for (double target : new double[] {0.1, 1.0, 2.0, 10.0, 100.0}) {
            for (long memory : new long[] {1L << 20, 256L << 20, 16L << 30}) {
                HostFeatures hosts = new HostFeatures(true, true, true, 10L << 20, memory, "");
                StrategyChoice.Choice c = StrategyChoice.choose(new MigrationSettings(List.of(), target, false), hosts,
                        DECLARED);
                assertTrue(DECLARED.containsAll(c.strategy().needs()), c.strategy().name() + " for " + c.reason());
            }
        }
    }

    @Test
    void the_real_adapter_declares_what_it_implements() {
        assertTrue(Arrays.asList(LxcCriuMigrationSteps.class.getInterfaces()).contains(MigrationSteps.class));
        assertTrue(DECLARED.contains(Capability.PAGE_SERVER) && DECLARED.contains(Capability.LAZY_PAGES)
                && DECLARED.contains(Capability.COLD_MOVE), DECLARED.toString());
    }

    private static Set<Capability> needs(String name) {
        return StrategyChoice.choose(only(name), EVERYTHING, Set.of(Capability.values())).strategy().needs();
    }
}
