package io.weir.tools.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code [[devices.points]]} table.
 *
 * @param index the point's index in its device's point map (ABI §5), its position in the file
 * @param name the point's name; never reaches the driver
 * @param keys every other key, in file order, as the driver's point line carries it
 * @param lines where the point and each of its keys are written
 */
public record PointConfigEntry(
        int index, String name, Map<String, String> keys, SourceLines lines) {
    public PointConfigEntry {
        if (index < 0) {
            throw new IllegalArgumentException("point index must be >= 0, got " + index);
        }
        if (name == null || !DeviceConfigEntry.NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "point name "
                            + TerminalText.quote(name)
                            + " must be "
                            + DeviceConfigEntry.NAME_RULE);
        }
        keys = Collections.unmodifiableMap(new LinkedHashMap<>(keys));
        if (lines == null) {
            lines = SourceLines.NONE;
        }
    }

    /** The 1-based line of the point's table. */
    public int line() {
        return lines.line();
    }
}
