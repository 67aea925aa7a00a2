package io.onehaul.vmm;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.migration.HostFeatures;
import io.onehaul.migration.MigrationRequest;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Post-copy of an unprivileged container needs the destination to let userfaultfd be opened from inside
 * a user namespace (CRIU 4.1 does it there): where it does not, lazy pages are not offered, and the report
 * says which setting on which host.
 */
class LazyPagesForUnprivilegedTest {
    static HostFacts facts(String... pairs) {
        Map<String, String> m = new HashMap<>(Map.of("uffd", "yes", "pipe_max", "4194304", "mem", "1048576"));
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return new HostFacts(m);
    }

    MigrationRequest r = MigrateActionProgressTest.request();

    @Test
    void an_unprivileged_container_gets_no_lazy_pages_where_the_destination_keeps_userfaultfd_to_root() {
        HostFeatures f = MigrationPreflight.features(r, facts("idmapped", "yes"), facts("uffd_unprivileged", "0"), 1 << 20);
        assertFalse(f.lazyPages());
        assertTrue(f.missing().contains("vm.unprivileged_userfaultfd = 1 on " + r.destinationHost()), f.missing());
    }

    @Test
    void it_gets_them_where_the_destination_allows_it_and_a_privileged_one_needs_nothing() {
        assertTrue(MigrationPreflight.features(r, facts("idmapped", "yes"), facts("uffd_unprivileged", "1"), 1 << 20)
                .lazyPages());
        assertTrue(MigrationPreflight.features(r, facts(), facts("uffd_unprivileged", "0"), 1 << 20).lazyPages());
    }
}
