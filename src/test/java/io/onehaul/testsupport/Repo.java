package io.onehaul.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the checkout is (surefire passes it as onehaul.repo). */
public final class Repo {
    private Repo() {}

    public static Path root() {
        String p = System.getProperty("onehaul.repo");
        Path root = p != null ? Path.of(p) : Path.of("").toAbsolutePath();
        if (!Files.isRegularFile(root.resolve("pom.xml"))) {
            throw new IllegalStateException("cannot find the repository root (tried " + root + ")");
        }
        return root;
    }
}
