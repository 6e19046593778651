package io.weir.tools.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a table of the config file sits: the line of its header (or of its inline table) and the
 * line of each of its keys, so that a later complaint (a driver's, a bind failure) can name the
 * line to fix.
 *
 * @param line the 1-based line of the table, or 0 for a table the file leaves out (defaults)
 * @param keys the 1-based line of each key written in the table
 */
public record SourceLines(int line, Map<String, Integer> keys) {
    /** A table the file does not contain. */
    public static final SourceLines NONE = new SourceLines(0, Map.of());

    public SourceLines {
        if (line < 0) {
            throw new IllegalArgumentException("line must be 1-based or 0, got " + line);
        }
        keys = Collections.unmodifiableMap(new LinkedHashMap<>(keys));
    }

    /** The line of {@code key}, or the table's line if the key is not written. */
    public int of(String key) {
        return keys.getOrDefault(key, line);
    }
}
