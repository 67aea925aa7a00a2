package io.onehaul.migration;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * What a driver's {@link MigrationSteps} can do beyond stop-and-copy. An adapter has a capability by
 * implementing its interface, so the compiler holds it to every step of it; a strategy names the
 * capabilities it needs ({@link MigrationStrategy#needs()}), and {@link StrategyChoice} picks it only
 * where the adapter has them and both hosts support them ({@link HostFeatures#has}).
 */
public enum Capability {
    PAGE_SERVER(MigrationSteps.WithPageServer.class, "stream pages to a CRIU page server"),
    PRE_DUMP(MigrationSteps.WithPreDump.class, "pre-dump memory while the container runs"),
    LAZY_PAGES(MigrationSteps.WithLazyPages.class, "restore with lazy pages (post-copy)"),
    COLD_MOVE(MigrationSteps.WithColdMove.class, "move a container cold");

    private final Class<?> steps;
    private final String does;

    Capability(Class<?> steps, String does) {
        this.steps = steps;
        this.does = does;
    }

    /** The interface an adapter implements to have this capability. */
    public Class<?> steps() {
        return steps;
    }

    /** What it lets the driver do, for "the driver cannot ..." in the VM log. */
    public String does() {
        return does;
    }

    /** What {@code adapter} can do: the capability interfaces it implements. */
    public static Set<Capability> declaredBy(Class<?> adapter) {
        EnumSet<Capability> all = EnumSet.noneOf(Capability.class);
        Arrays.stream(values()).filter(c -> c.steps.isAssignableFrom(adapter)).forEach(all::add);
        return all;
    }

    /** What {@code steps} can do. */
    public static Set<Capability> of(MigrationSteps steps) {
        return declaredBy(steps.getClass());
    }

    /**
     * {@code steps} as the capability interface {@code type}. A strategy is only chosen where the adapter has
     * what it needs, so a failure here is a wrong choice, named as such rather than as a missing method.
     */
    static <T> T as(MigrationSteps steps, Class<T> type) {
        if (!type.isInstance(steps)) {
            Capability c = Arrays.stream(values()).filter(v -> v.steps == type).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(type.getName() + " is not a capability"));
            throw new IllegalStateException("the driver's migration steps (" + steps.getClass().getSimpleName()
                    + ") cannot " + c.does + "; a strategy that needs it should not have been chosen");
        }
        return type.cast(steps);
    }
}
