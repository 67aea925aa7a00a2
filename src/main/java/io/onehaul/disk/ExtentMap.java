package io.onehaul.disk;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A file's size and extents, as fiemap.pl prints them. */
public record ExtentMap(String path, long size, List<Extent> extents) {

    /** Parses fiemap.pl's output: a "file SIZE PATH" line, then one "LOGICAL PHYSICAL LENGTH FLAGS" line per extent. */
    public static Map<String, ExtentMap> parse(String text) {
        Map<String, ExtentMap> maps = new LinkedHashMap<>();
        String path = null;
        long size = 0;
        List<Extent> extents = null;
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("file ")) {
                if (path != null) {
                    maps.put(path, new ExtentMap(path, size, List.copyOf(extents)));
                }
                String[] f = line.split(" ", 3);
                size = Long.parseLong(f[1]);
                path = f[2];
                extents = new ArrayList<>();
                continue;
            }
            String[] f = line.trim().split("\\s+");
            if (path == null || f.length != 4) {
                throw new IllegalArgumentException("not an extent line: " + line);
            }
            long length = Long.parseLong(f[2]);
            if (length > 0) {
                extents.add(new Extent(Long.parseLong(f[0]), Long.parseUnsignedLong(f[1]), length, Integer.parseInt(f[3])));
            }
        }
        if (path != null) {
            maps.put(path, new ExtentMap(path, size, List.copyOf(extents)));
        }
        return maps;
    }
}
