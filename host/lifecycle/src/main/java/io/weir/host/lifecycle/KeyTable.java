package io.weir.host.lifecycle;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The device and point keys a driver accepts (ABI §5), as its package declares them. A section the
 * package leaves out is not checked (the driver alone judges it); a section it declares, even
 * empty, is complete: a key outside it is unknown.
 *
 * @param device the keys of the {@code device} line, in the order the package lists them
 * @param point the keys of each {@code point} line
 */
public record KeyTable(Optional<List<KeySpec>> device, Optional<List<KeySpec>> point) {

    /** A table that checks nothing. */
    public static final KeyTable NONE = new KeyTable(Optional.empty(), Optional.empty());

    /**
     * One problem with a device's keys.
     *
     * @param point the point's index in the map, or -1 for the device line
     * @param key the key it is about
     * @param message in the words of a driver's own refusals, e.g. {@code point 0: unknown key
     *     "adress" (known keys: area, address)}
     */
    public record Problem(int point, String key, String message) {}

    public KeyTable {
        device = device == null ? Optional.empty() : device.map(List::copyOf);
        point = point == null ? Optional.empty() : point.map(List::copyOf);
        device.ifPresent(l -> unique(l, "device_keys"));
        point.ifPresent(l -> unique(l, "point_keys"));
    }

    private static void unique(List<KeySpec> keys, String section) {
        Map<String, KeySpec> seen = new LinkedHashMap<>();
        for (KeySpec k : keys) {
            if (seen.put(k.key(), k) != null) {
                throw new IllegalArgumentException(
                        section + " lists the key \"" + k.key() + "\" twice");
            }
        }
    }

    /**
     * Every problem with one device's config keys (host keys {@code weir.*} are the host's and not
     * checked here).
     *
     * @param deviceKeys the device line's keys and values
     * @param points each point line's keys and values, in index order
     */
    public List<Problem> problems(
            Map<String, String> deviceKeys, List<Map<String, String>> points) {
        List<Problem> out = new ArrayList<>();
        device.ifPresent(keys -> check(keys, deviceKeys, -1, "device", out));
        point.ifPresent(
                keys -> {
                    for (int i = 0; i < points.size(); i++) {
                        check(keys, points.get(i), i, "point " + i, out);
                    }
                });
        return out;
    }

    private static void check(
            List<KeySpec> specs,
            Map<String, String> given,
            int point,
            String where,
            List<Problem> out) {
        Map<String, KeySpec> byKey = new LinkedHashMap<>();
        for (KeySpec k : specs) {
            byKey.put(k.key(), k);
        }
        for (Map.Entry<String, String> e : given.entrySet()) {
            if (e.getKey().startsWith("weir.")) {
                continue;
            }
            KeySpec spec = byKey.get(e.getKey());
            if (spec == null) {
                out.add(
                        new Problem(
                                point,
                                e.getKey(),
                                where
                                        + ": unknown key \""
                                        + e.getKey()
                                        + "\" ("
                                        + (byKey.isEmpty()
                                                ? "the driver takes no keys here"
                                                : "known keys: "
                                                        + String.join(", ", byKey.keySet()))
                                        + ")"));
                continue;
            }
            String problem = spec.problem(e.getValue());
            if (problem != null) {
                out.add(new Problem(point, e.getKey(), where + ": " + problem));
            }
        }
        for (KeySpec k : specs) {
            if (k.required() && !given.containsKey(k.key())) {
                out.add(
                        new Problem(
                                point,
                                k.key(),
                                where + ": missing required key \"" + k.key() + "\""));
            }
        }
    }
}
