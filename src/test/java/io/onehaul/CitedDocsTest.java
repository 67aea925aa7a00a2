package io.onehaul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.onehaul.testsupport.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** What the code's comments cite is in the repository: docs/ files that exist, reference sections that do. */
class CitedDocsTest {
    private static final Path DOCS = Repo.root().resolve("docs");
    private static final Pattern SECTION = Pattern.compile("§(\\d+(?:\\.\\d+)?)");
    private static final Pattern REFERENCE = Pattern.compile("reference ((?:§\\d+(?:\\.\\d+)?(?:, )?)+)");
    private static final Pattern DOC = Pattern.compile("docs/([a-z0-9-]+\\.md)");

    private static String sources() throws Exception {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> s = Files.walk(Repo.root().resolve("src/main/java"))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".java")).toList()) {
                all.append(Files.readString(p).replaceAll("\\s*\\n\\s*\\*\\s*", " ")).append('\n');
            }
        }
        return all.toString();
    }

    @Test
    void every_cited_reference_section_exists() throws Exception {
        Set<String> headings = new TreeSet<>();
        for (String line : Files.readAllLines(DOCS.resolve("opennebula-interfaces.md"))) {
            Matcher h = Pattern.compile("^#{2,3} (\\d+(?:\\.\\d+)?)[. ]").matcher(line);
            if (h.find()) {
                headings.add(h.group(1));
            }
        }
        Set<String> missing = new TreeSet<>();
        Matcher m = REFERENCE.matcher(sources());
        int cited = 0;
        while (m.find()) {
            Matcher s = SECTION.matcher(m.group(1));
            while (s.find()) {
                cited++;
                if (!headings.contains(s.group(1))) {
                    missing.add(s.group(1));
                }
            }
        }
        assertTrue(cited > 20, "the reference is cited: " + cited);
        assertEquals(Set.of(), missing, "sections cited but not in docs/opennebula-interfaces.md");
    }

    @Test
    void every_cited_docs_file_exists() throws Exception {
        Set<String> missing = new TreeSet<>();
        Matcher m = DOC.matcher(sources());
        while (m.find()) {
            if (!Files.exists(DOCS.resolve(m.group(1)))) {
                missing.add(m.group(1));
            }
        }
        assertEquals(Set.of(), missing);
        assertTrue(Files.exists(DOCS.resolve("criu-lxc-notes.md")));
    }
}
