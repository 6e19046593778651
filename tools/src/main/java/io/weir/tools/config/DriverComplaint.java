package io.weir.tools.config;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A driver's {@code E_CONFIG} text located in the config file. ABI §5 asks a driver to say which
 * line of the config text was wrong: the SDKs write {@code point N: …}, {@code device: …} or, for
 * text they cannot split into lines, {@code line N: …} (line 1 is the device line).
 *
 * @param problem the problem at the file line of that point or device
 * @param point the index in the device's full point map of the point the driver named, or -1
 */
record DriverComplaint(Problem problem, int point) {
    private static final Pattern POINT =
            Pattern.compile("point ([0-9]{1,9}): (.*)", Pattern.DOTALL);
    private static final Pattern DEVICE = Pattern.compile("device: (.*)", Pattern.DOTALL);
    private static final Pattern LINE = Pattern.compile("line ([0-9]{1,9}): (.*)", Pattern.DOTALL);

    /**
     * @param sent the full-map index of each point line of the text the driver saw, in order (the
     *     check leaves out points the driver refused already)
     */
    static DriverComplaint locate(
            DeviceConfigEntry device, String driverName, String text, List<Integer> sent) {
        String said = text == null ? "" : text.strip();
        int sentIndex = -2; // -2: no line named; -1: the device line
        String rest = said;
        Matcher m;
        if ((m = POINT.matcher(said)).matches()) {
            sentIndex = Integer.parseInt(m.group(1));
            rest = m.group(2);
        } else if ((m = DEVICE.matcher(said)).matches()) {
            sentIndex = -1;
            rest = m.group(1);
        } else if ((m = LINE.matcher(said)).matches()) {
            sentIndex = Integer.parseInt(m.group(1)) - 2;
            rest = m.group(2);
        }
        String message =
                rest.isBlank()
                        ? "driver " + driverName + " refused the config without saying why"
                        : "driver " + driverName + " says: " + TerminalText.escape(rest);
        if (sentIndex >= 0 && sentIndex < sent.size()) {
            int j = sent.get(sentIndex);
            PointConfigEntry p = device.points().get(j);
            int line = lineOfNamedKey(p.keys(), p.lines(), rest);
            return new DriverComplaint(
                    new Problem(device.file(), line, 0, device.pointKey(j), message), j);
        }
        if (sentIndex >= 0) {
            // A point line the text did not have: say so rather than guess.
            message =
                    "driver "
                            + driverName
                            + " names point "
                            + sentIndex
                            + ", which its config text does not have: "
                            + TerminalText.escape(said);
        }
        int line =
                sentIndex == -1
                        ? lineOfNamedKey(device.deviceKeys(), device.lines(), rest)
                        : device.line();
        return new DriverComplaint(new Problem(device.file(), line, 0, device.key(), message), -1);
    }

    /**
     * The line of the key of this table that the driver's text names first ({@code unknown type
     * "f33"} names {@code type}, {@code address=70000 is out of range} names {@code address}), or
     * the table's line.
     */
    private static int lineOfNamedKey(Map<String, String> keys, SourceLines lines, String text) {
        int best = Integer.MAX_VALUE;
        String found = null;
        for (String key : keys.keySet()) {
            Matcher k =
                    Pattern.compile(
                                    "(?<![A-Za-z0-9_.-])"
                                            + Pattern.quote(key)
                                            + "(?![A-Za-z0-9_-])")
                            .matcher(text);
            if (k.find() && k.start() < best) {
                best = k.start();
                found = key;
            }
        }
        return found == null ? lines.line() : lines.of(found);
    }
}
