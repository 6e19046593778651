package io.weir.host.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.abi.Quality;
import io.weir.host.driver.DriverRecord;
import io.weir.host.points.Value;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The records a vector expects beside the ones the driver wrote, one per line in the same words, as
 * a diff: {@code " "} where they agree, {@code "-"} for the expected line and {@code "+"} for the
 * actual one where they do not. A reader sees at once which record and which field differ.
 *
 * <pre>
 *   point 0  u64 7  GOOD
 * - point 1  f64 21.5  GOOD
 * + point 1  f64 2.15  GOOD
 * </pre>
 */
final class RecordDiff {
    private RecordDiff() {}

    static String of(JsonNode expected, List<DriverRecord> actual) {
        List<String> want = new ArrayList<>();
        for (JsonNode e : expected) {
            want.add(expectedLine(e));
        }
        List<String> got = new ArrayList<>();
        for (DriverRecord r : actual) {
            got.add(actualLine(r));
        }
        StringBuilder b = new StringBuilder();
        int n = Math.max(want.size(), got.size());
        for (int i = 0; i < n; i++) {
            String w = i < want.size() ? want.get(i) : null;
            String g = i < got.size() ? got.get(i) : null;
            if (w != null && w.equals(g)) {
                b.append("\n    ").append(w);
                continue;
            }
            if (w != null) {
                b.append("\n  - ").append(w);
            }
            if (g != null) {
                b.append("\n  + ").append(g);
            }
        }
        return b.append("\n  (- expected, + actual)").toString();
    }

    private static String expectedLine(JsonNode e) {
        String who = e.has("name") ? "name " + e.get("name") : "point " + e.path("point").asText();
        JsonNode v = e.get("value");
        String value =
                e.path("type").asText()
                        + " "
                        + (e.path("type").asText().equals("f64") && v != null && v.isNumber()
                                ? numberText(v.doubleValue())
                                : String.valueOf(v));
        String ts = e.has("ts_us") ? "  ts_us " + e.get("ts_us").asText() : "";
        return who + "  " + value + "  " + e.path("quality").asText() + ts;
    }

    static String actualLine(DriverRecord r) {
        String who =
                r.named()
                        ? "name " + VectorRunner.JSON.getNodeFactory().textNode(r.name())
                        : "point " + r.point();
        String ts = r.deviceTs() ? "  ts_us " + r.tsUs() : "";
        return who + "  " + value(r.value()) + "  " + Quality.nameOf(r.quality()) + ts;
    }

    private static String value(Value v) {
        String type = v.type().name().toLowerCase(java.util.Locale.ROOT);
        String text;
        if (v instanceof Value.Str s) {
            text = VectorRunner.JSON.getNodeFactory().textNode(s.value()).toString();
        } else if (v instanceof Value.Bytes b) {
            text = "\"" + HexFormat.of().formatHex(b.value()) + "\"";
        } else if (v instanceof Value.U64 u) {
            text = u.bigValue().toString();
        } else if (v instanceof Value.I64 i) {
            text = Long.toString(i.value());
        } else if (v instanceof Value.F64 f) {
            text = numberText(f.value());
        } else if (v instanceof Value.Bool b) {
            text = Boolean.toString(b.value());
        } else {
            text = "null";
        }
        return type + " " + text;
    }

    /** One spelling per number, so that 7 and 7.0 read the same on both sides. */
    private static String numberText(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return Double.toString(d);
    }
}
