package io.weir.tools.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One mistake in a gateway config file.
 *
 * @param file the config file, as the user named it
 * @param line the 1-based line, or 0 if the mistake has no line (a missing file, a missing table)
 * @param column the 1-based column, or 0 if unknown
 * @param key the key path, e.g. {@code devices[2].points[0].address}; empty for the file as a whole
 *     (TOML syntax)
 * @param message what is wrong and what to write instead; already safe for a terminal
 */
public record Problem(Path file, int line, int column, String key, String message) {

    public Problem {
        if (file == null) {
            throw new IllegalArgumentException("a problem needs its file");
        }
        if (line < 0 || column < 0) {
            throw new IllegalArgumentException(
                    "line and column are 1-based or 0 (unknown), got " + line + ":" + column);
        }
        key = key == null ? "" : key;
        if (message == null || message.isBlank()) {
            throw new IllegalArgumentException("a problem needs a message");
        }
    }

    /** {@code FILE:LINE: key: message}; the line and the key are left out where there is none. */
    public String format() {
        StringBuilder b = new StringBuilder(file.toString());
        if (line > 0) {
            b.append(':').append(line);
        }
        b.append(": ");
        if (!key.isEmpty()) {
            b.append(key).append(": ");
        }
        return b.append(message).toString();
    }

    /** The problem as one JSON object of {@code weir config check --json}. */
    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "problem");
        m.put("file", file.toString());
        m.put("line", line == 0 ? null : line);
        m.put("column", column == 0 ? null : column);
        m.put("key", key);
        m.put("message", message);
        return m;
    }

    @Override
    public String toString() {
        return format();
    }
}
