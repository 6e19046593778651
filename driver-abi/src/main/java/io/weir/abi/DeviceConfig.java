package io.weir.abi;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The device configuration text of ABI.md §5: one {@code device} line of key=value pairs, then one
 * {@code point} line per point with indexes 0, 1, 2 … in order. Point names are not part of it: the
 * host maps index ↔ name. No point lines means discovery mode.
 *
 * @param device the pairs of the device line, in order
 * @param points the pairs of each point line; the list index is the point index
 */
public record DeviceConfig(Map<String, String> device, List<Map<String, String>> points) {

    /** §5: {@code key = 1*( ALPHA / DIGIT / "_" / "-" / "." )}. */
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.-]+");

    /** §5: {@code value = 1*( %x21-7E except "=" )}. */
    private static final Pattern VALUE = Pattern.compile("[\\x21-\\x3C\\x3E-\\x7E]+");

    private static final Pattern INDEX = Pattern.compile("[0-9]+");

    public DeviceConfig {
        device = checkPairs("device", device);
        List<Map<String, String>> copy = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            copy.add(checkPairs("point " + i, points.get(i)));
        }
        points = Collections.unmodifiableList(copy);
    }

    /** Discovery mode: a device line and no points (§5). */
    public boolean discovery() {
        return points.isEmpty();
    }

    /** §5.1 (1.1): whether {@code key} is a host key, i.e. starts with {@code weir.}. */
    public static boolean isHostKey(String key) {
        return key.startsWith(Abi.HOST_KEY_PREFIX);
    }

    /**
     * §5.1: an operator's configuration must not contain host keys. Returns a message naming the
     * first one ({@code "device: key weir.transport is reserved for the host (ABI §5.1)"}), or
     * {@code null} if there is none.
     */
    public String hostKeyProblem() {
        for (String k : device.keySet()) {
            if (isHostKey(k)) {
                return "device: key " + k + " is reserved for the host (ABI §5.1)";
            }
        }
        for (int i = 0; i < points.size(); i++) {
            for (String k : points.get(i).keySet()) {
                if (isHostKey(k)) {
                    return "point " + i + ": key " + k + " is reserved for the host (ABI §5.1)";
                }
            }
        }
        return null;
    }

    /**
     * §5.1: this configuration as the host passes it to a driver with agreed version 1.1: the host
     * keys appended to the device line, after the operator's pairs.
     *
     * @throws IllegalArgumentException if a key is not a host key, or the operator's configuration
     *     already holds host keys
     */
    public DeviceConfig withHostKeys(Map<String, String> hostKeys) {
        String problem = hostKeyProblem();
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        Map<String, String> line = new LinkedHashMap<>(device);
        for (Map.Entry<String, String> e : hostKeys.entrySet()) {
            if (!isHostKey(e.getKey())) {
                throw new IllegalArgumentException(
                        "\""
                                + e.getKey()
                                + "\" is not a host key; host keys start with "
                                + Abi.HOST_KEY_PREFIX
                                + " (ABI §5.1)");
            }
            line.put(e.getKey(), e.getValue());
        }
        return new DeviceConfig(line, points);
    }

    /** The config text, each line ended by LF. */
    public String text() {
        StringBuilder sb = new StringBuilder("device");
        appendPairs(sb, device);
        sb.append('\n');
        for (int i = 0; i < points.size(); i++) {
            sb.append("point ").append(i);
            appendPairs(sb, points.get(i));
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The config text as UTF-8 bytes, as the host writes it into {@code cfg}. */
    public byte[] bytes() {
        return text().getBytes(StandardCharsets.UTF_8);
    }

    private static void appendPairs(StringBuilder sb, Map<String, String> pairs) {
        for (Map.Entry<String, String> e : pairs.entrySet()) {
            sb.append(' ').append(e.getKey()).append('=').append(e.getValue());
        }
    }

    /**
     * Parses a config text by the grammar of §5.
     *
     * @throws IllegalArgumentException naming the line and what is wrong with it
     */
    public static DeviceConfig parse(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException(
                    "config text is empty; it needs a \"device\" line first (ABI §5)");
        }
        if (!text.endsWith("\n")) {
            throw new IllegalArgumentException(
                    "config text must end with LF: every line, the last too, ends with LF (ABI §5)");
        }
        String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        Map<String, String> device = null;
        List<Map<String, String>> points = new ArrayList<>();
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            String where = "config line " + (n + 1);
            if (line.endsWith("\r")) {
                throw new IllegalArgumentException(where + ": lines end with LF, not CRLF");
            }
            String[] words = line.split(" ", -1);
            if (n == 0) {
                if (!words[0].equals("device")) {
                    throw new IllegalArgumentException(
                            where + ": the first line must be \"device\", got \"" + line + "\"");
                }
                device = parsePairs(where, words, 1);
                continue;
            }
            if (!words[0].equals("point")) {
                throw new IllegalArgumentException(
                        where
                                + ": expected a \"point\" line (there is exactly one \"device\""
                                + " line, first), got \""
                                + line
                                + "\"");
            }
            if (words.length < 2 || !INDEX.matcher(words[1]).matches()) {
                throw new IllegalArgumentException(
                        where + ": \"point\" must be followed by a single space and an index");
            }
            int expected = points.size();
            if (words[1].length() > 9 || Integer.parseInt(words[1]) != expected) {
                throw new IllegalArgumentException(
                        where
                                + ": point index "
                                + words[1]
                                + " out of order; expected "
                                + expected
                                + " (indexes run 0, 1, 2 … ascending)");
            }
            points.add(parsePairs(where, words, 2));
        }
        return new DeviceConfig(device, points);
    }

    private static Map<String, String> parsePairs(String where, String[] words, int from) {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (int i = from; i < words.length; i++) {
            String w = words[i];
            int eq = w.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException(
                        where
                                + ": \""
                                + w
                                + "\" is not a key=value pair (pairs are separated by"
                                + " single spaces)");
            }
            String key = w.substring(0, eq);
            String value = w.substring(eq + 1);
            checkPair(where, key, value);
            if (pairs.put(key, value) != null) {
                throw new IllegalArgumentException(where + ": key \"" + key + "\" given twice");
            }
        }
        return pairs;
    }

    private static Map<String, String> checkPairs(String where, Map<String, String> pairs) {
        if (pairs == null) {
            throw new IllegalArgumentException(where + ": pairs must not be null");
        }
        for (Map.Entry<String, String> e : pairs.entrySet()) {
            checkPair(where, e.getKey(), e.getValue());
        }
        return ConfigPairs.copyOf(pairs);
    }

    private static void checkPair(String where, String key, String value) {
        if (key == null || !KEY.matcher(key).matches()) {
            throw new IllegalArgumentException(
                    where
                            + ": key \""
                            + key
                            + "\" must be letters, digits, '_', '-' or '.' (ABI §5)");
        }
        if (value == null || !VALUE.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    where
                            + ": value \""
                            + value
                            + "\" of key "
                            + key
                            + " must be printable ASCII without spaces or '=' (ABI §5)");
        }
    }
}
