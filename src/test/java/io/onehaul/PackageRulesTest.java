package io.onehaul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.onehaul.testsupport.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every package says in its package-info.java what of OneHaul it may use ("May import: a, b",
 * "Imports nothing of OneHaul", or, for the top floor, "may import every other package"), and its
 * classes use nothing else: the map in the code stays true. Dependencies are read from the compiled
 * classes (ArchUnit), so a name written out in full counts as much as an import.
 */
class PackageRulesTest {
    private static final String ROOT = "io.onehaul";
    private static final Path SOURCES = Repo.root().resolve("src/main/java/io/onehaul");
    private static final Pattern MAY_IMPORT = Pattern.compile("May import:(.*?)(?:\\(|\\.(?:\\s|$))");

    @Test
    void every_package_says_what_it_owns_and_uses_nothing_else() throws Exception {
        JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(ROOT);
        TreeMap<String, Set<String>> used = new TreeMap<>();
        for (JavaClass c : classes) {
            String from = relative(c.getPackageName());
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String to = d.getTargetClass().getPackageName();
                if (to.startsWith(ROOT + ".") && !relative(to).equals(from)) {
                    used.computeIfAbsent(from, k -> new TreeSet<>()).add(relative(to));
                }
            }
            used.computeIfAbsent(from, k -> new TreeSet<>());
        }
        TreeMap<String, String> broken = new TreeMap<>();
        for (var e : used.entrySet()) {
            Path info = SOURCES.resolve(e.getKey().replace('.', '/')).resolve("package-info.java");
            assertTrue(Files.exists(info), "io.onehaul." + e.getKey() + " has no package-info.java");
            String text = Files.readString(info).replaceAll("\\s*\\n\\s*\\*\\s*", " ");
            if (text.contains("may import every other package")) {
                continue;
            }
            Set<String> allowed = new TreeSet<>();
            Matcher m = MAY_IMPORT.matcher(text);
            if (m.find()) {
                Arrays.stream(m.group(1).split(",")).map(String::strip).filter(s -> !s.isEmpty()).forEach(allowed::add);
            } else {
                assertTrue(text.contains("Imports nothing of OneHaul") || text.contains("imports nothing of OneHaul"),
                        "io.onehaul." + e.getKey() + "'s package-info says neither 'May import:' nor 'imports nothing'");
            }
            Set<String> extra = e.getValue().stream().filter(p -> !allowed.contains(p)).collect(Collectors.toCollection(TreeSet::new));
            if (!extra.isEmpty()) {
                broken.put(e.getKey(), "uses " + extra + ", allowed " + allowed);
            }
        }
        assertEquals(new TreeMap<>(), broken, "packages using what their package-info does not allow");
    }

    private static String relative(String pkg) {
        return pkg.equals(ROOT) ? "" : pkg.substring(ROOT.length() + 1);
    }
}
