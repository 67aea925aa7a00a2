package io.onehaul.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.migration.MigrationRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A container AppArmor confines on the source moves only where the same profile can confine it: the
 * destination enforces AppArmor and has the profile loaded. An unconfined one moves anywhere.
 */
class AppArmorConfinementTest {
    MigrationRequest r = MigrateActionProgressTest.request();

    private List<String> refusals(Map<String, String> source, Map<String, String> destination) {
        List<String> no = new ArrayList<>();
        MigrationPreflight.confinement(no, r, new HostFacts(source), new HostFacts(destination));
        return no;
    }

    @Test
    void a_confined_container_moves_where_its_profile_is_loaded() {
        assertEquals(List.of(), refusals(Map.of("apparmor", "Y", "profile", "lxc-container-default-cgns"),
                Map.of("apparmor", "Y", "profile_loaded", "yes")));
    }

    @Test
    void not_where_apparmor_is_off_or_the_profile_missing_and_the_refusal_says_which() {
        Map<String, String> confined = Map.of("apparmor", "Y", "profile", "lxc-container-default-cgns");
        List<String> off = refusals(confined, Map.of("apparmor", "N"));
        assertEquals(1, off.size());
        assertTrue(off.get(0).contains("lxc-container-default-cgns on " + r.sourceHost()) && off.get(0)
                .contains(r.destinationHost() + " does not enforce AppArmor"), off.get(0));
        List<String> missing = refusals(confined, Map.of("apparmor", "Y"));
        assertEquals(1, missing.size());
        assertTrue(missing.get(0).contains("is not loaded on " + r.destinationHost())
                && missing.get(0).contains("/etc/apparmor.d/lxc-containers"), missing.get(0));
    }

    @Test
    void an_unconfined_container_needs_nothing_of_the_destination() {
        assertEquals(List.of(), refusals(Map.of("apparmor", "Y", "profile", "unconfined"), Map.of()));
        assertEquals(List.of(), refusals(Map.of("profile", ""), Map.of()));
        assertEquals(List.of(), refusals(Map.of(), Map.of("apparmor", "N")));
    }

    @Test
    void the_destination_is_asked_for_exactly_that_profile() {
        String q = HostFacts.profileLoadedQuery("lxc-container-default-cgns");
        assertTrue(q.contains("'lxc-container-default-cgns ('") && q.contains("/sys/kernel/security/apparmor/profiles"), q);
    }
}
