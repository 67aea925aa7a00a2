package io.onehaul.policy.facts;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Country and organisation codes as the policy compares them. Templates are typed by people, so a
 * list is comma- or space-separated, case-insensitive and may repeat entries; it is normalised to
 * upper case, de-duplicated and sorted so that "es, DE" and "DE,ES" are the same regulation (and the
 * same certified attributes).
 */
public final class Codes {
    /** In a VM's ORGANIZATIONS: any organisation (or none) on the host is acceptable. */
    public static final String ANY_ORGANIZATION = "*";

    /** ISO 3166-1 alpha-2 as the JDK knows it: assigned codes only, so "XX" or "UK" are refused. */
    private static final Set<String> ISO_COUNTRIES = Set.copyOf(Arrays.asList(Locale.getISOCountries()));
    /** Organisation codes are identifiers, not names: no spaces or commas (the list separators). */
    private static final Pattern ORGANIZATION = Pattern.compile("[A-Z0-9][A-Z0-9._-]{0,63}");

    private Codes() {}

    /** Normalised entries of a template list ("es, DE ,,de" → [DE, ES]). Never null. */
    public static List<String> parseList(String text) {
        if (text == null) {
            return List.of();
        }
        return normalise(Arrays.asList(text.split("[,\\s]+")));
    }

    public static List<String> normalise(Collection<String> codes) {
        TreeSet<String> out = new TreeSet<>();
        for (String c : codes) {
            String n = normalise(c);
            if (!n.isEmpty()) {
                out.add(n);
            }
        }
        return List.copyOf(out);
    }

    public static String normalise(String code) {
        return code == null ? "" : code.strip().toUpperCase(Locale.ROOT);
    }

    public static boolean isCountry(String normalised) {
        return ISO_COUNTRIES.contains(normalised);
    }

    public static boolean isOrganization(String normalised) {
        return ORGANIZATION.matcher(normalised).matches();
    }

    /** Entries that are not ISO 3166-1 alpha-2 country codes. */
    public static List<String> invalidCountries(Collection<String> normalised) {
        List<String> bad = new ArrayList<>();
        for (String c : normalised) {
            if (!isCountry(c)) {
                bad.add(c);
            }
        }
        return bad;
    }

    /** Entries that are not organisation codes; {@code "*"} is accepted when {@code wildcardAllowed}. */
    public static List<String> invalidOrganizations(Collection<String> normalised, boolean wildcardAllowed) {
        List<String> bad = new ArrayList<>();
        for (String o : normalised) {
            if (!(isOrganization(o) || wildcardAllowed && ANY_ORGANIZATION.equals(o))) {
                bad.add(o);
            }
        }
        return bad;
    }
}
