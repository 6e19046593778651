package io.weir.tools.config;

import io.weir.abi.DeviceConfig;
import io.weir.host.io.LinkAddress;
import io.weir.host.poll.DeviceSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One {@code [[devices]]} table: the host's keys ({@code name}, {@code driver}, {@code link},
 * {@code interval}, {@code points}) and the keys that go to the driver's device line.
 *
 * @param file the config file, for problems
 * @param index the device's position among the {@code [[devices]]} tables, from 0
 * @param deviceKeys every key but the host's, in file order: the driver's device line (ABI §5)
 * @param points the point map in file order
 * @param lines where the device and each of its keys are written
 */
public record DeviceConfigEntry(
        Path file,
        int index,
        String name,
        DriverRef driver,
        LinkAddress link,
        Duration interval,
        Map<String, String> deviceKeys,
        List<PointConfigEntry> points,
        SourceLines lines) {

    /** Device and point names: they appear in point lines, metrics and admin API paths. */
    public static final Pattern NAME = Pattern.compile("[\\p{L}\\p{N}_.:/-]{1,64}");

    public static final String NAME_RULE =
            "1-64 letters, digits, '_', '.', ':', '/' or '-' (no spaces)";

    /** The default poll interval. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

    /**
     * An interval of zero in any unit ({@code "0s"}, {@code "0ms"}): scan continuously, the next
     * cycle as soon as the last one ends ({@link io.weir.host.poll.DeviceSpec#continuous}).
     */
    public static final Pattern CONTINUOUS = Pattern.compile("0(ms|s|m|h)");

    /** The longest poll interval: a day. The host schedules in nanoseconds. */
    public static final Duration MAX_INTERVAL = Duration.ofHours(24);

    public DeviceConfigEntry {
        if (file == null) {
            throw new IllegalArgumentException("a device entry needs its config file");
        }
        if (index < 0) {
            throw new IllegalArgumentException("device index must be >= 0, got " + index);
        }
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "device name " + TerminalText.quote(name) + " must be " + NAME_RULE);
        }
        if (driver == null || link == null) {
            throw new IllegalArgumentException("device " + name + " needs a driver and a link");
        }
        if (interval == null
                || !interval.isZero() && interval.toMillis() < 1
                || interval.isNegative()
                || interval.compareTo(MAX_INTERVAL) > 0) {
            throw new IllegalArgumentException(
                    "device "
                            + name
                            + ": poll interval must be 1 ms to 24 h, or 0 to scan continuously, got "
                            + interval);
        }
        deviceKeys = Collections.unmodifiableMap(new LinkedHashMap<>(deviceKeys));
        points = List.copyOf(points);
        for (int i = 0; i < points.size(); i++) {
            if (points.get(i).index() != i) {
                throw new IllegalArgumentException(
                        "device "
                                + name
                                + ": point "
                                + points.get(i).name()
                                + " has index "
                                + points.get(i).index()
                                + " at position "
                                + i);
            }
        }
        if (lines == null) {
            lines = SourceLines.NONE;
        }
        // ABI §5: every key and value must fit the config text grammar; DeviceConfig checks it.
        configOf(deviceKeys, points);
    }

    /** The key path of this device, e.g. {@code devices[2]}. */
    public String key() {
        return "devices[" + index + "]";
    }

    /** The key path of point {@code j}, e.g. {@code devices[2].points[0]}. */
    public String pointKey(int j) {
        return key() + ".points[" + j + "]";
    }

    /** The 1-based line of the device's table. */
    public int line() {
        return lines.line();
    }

    /** The config text for {@code weir_open} (ABI §5): the device line, then each point line. */
    public DeviceConfig config() {
        return configOf(deviceKeys, points);
    }

    /** The point names, index for index with {@link #config()}'s point lines. */
    public List<String> pointNames() {
        List<String> names = new ArrayList<>(points.size());
        for (PointConfigEntry p : points) {
            names.add(p.name());
        }
        return names;
    }

    /**
     * The device as the host runs it, with the driver name {@link DriverRef#expectedName()}: right
     * for a bundled driver; for a {@code .wasm} file prefer {@link #toSpec(String)} with the loaded
     * module's manifest name.
     */
    public DeviceSpec toSpec() {
        return toSpec(driver.expectedName());
    }

    /**
     * The device as the host runs it.
     *
     * @param driverName the manifest name of the loaded driver (the kernel's key for it)
     */
    public DeviceSpec toSpec(String driverName) {
        return new DeviceSpec(name, link, driverName, config(), pointNames(), interval);
    }

    /**
     * A driver's complaint about this device's config text, mapped back to the file: {@code point
     * 3: unknown type "f33"} becomes a problem at the line of point 3's {@code type} key (or of the
     * point's table, when the text names none of its keys), {@code device: …} one at the device.
     * The driver's text is escaped.
     *
     * @param driverName the driver's manifest name, e.g. {@code modbus}
     * @param driverText what {@code weir_last_error} said after {@code weir_open} failed
     */
    public Problem driverProblem(String driverName, String driverText) {
        List<Integer> all = new ArrayList<>(points.size());
        for (int i = 0; i < points.size(); i++) {
            all.add(i);
        }
        return DriverComplaint.locate(this, driverName, driverText, all).problem();
    }

    static DeviceConfig configOf(Map<String, String> deviceKeys, List<PointConfigEntry> points) {
        List<Map<String, String>> pointKeys = new ArrayList<>(points.size());
        for (PointConfigEntry p : points) {
            pointKeys.add(p.keys());
        }
        return new DeviceConfig(deviceKeys, pointKeys);
    }
}
