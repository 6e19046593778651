package io.weir.host.uplink;

import io.weir.host.points.Point;
import io.weir.host.points.Value;
import java.util.ArrayList;
import java.util.List;

/** Points of every value type at its extremes and every quality class, for codec tests. */
public final class SamplePoints {
    private SamplePoints() {}

    public static List<Point> all() {
        List<Point> ps = new ArrayList<>();
        ps.add(new Point("plc1", "temp", Value.f64(21.5), 0x0000, 1_700_000_000_000L, null));
        ps.add(new Point("plc1", "count", Value.i64(123456789L), 0, 1_700_000_000_001L, null));
        ps.add(new Point("plc1", "run", Value.TRUE, 0x0000, 1_700_000_000_001L, null));
        ps.add(new Point("plc1", "name", Value.str("泵站-1"), 0x4000, 1_700_000_000_000L, "stale"));
        ps.add(
                new Point(
                        "plc2",
                        "raw",
                        Value.bytes(new byte[] {1, 2, 3}),
                        0x8000,
                        1_699_999_999_000L,
                        "timeout"));
        ps.add(new Point("plc2", "none", Value.NULL, 0x8001, 1_700_000_000_005L, "no response"));
        ps.add(new Point("plc2", "neg", Value.i64(-5), 0, 1_700_000_000_005L, null));
        return ps;
    }

    /** Every value type at the ends of its range: what a register can hold, not what is typical. */
    public static List<Value> extremes() {
        return List.of(
                Value.NULL,
                Value.FALSE,
                Value.TRUE,
                Value.i64(Long.MIN_VALUE),
                Value.i64(Long.MAX_VALUE),
                Value.i64(0),
                Value.i64(-1),
                Value.u64(0),
                Value.u64(Long.MAX_VALUE),
                Value.u64(Long.MIN_VALUE), // 2^63
                Value.u64(-1L), // 2^64 - 1
                Value.f64(Double.NaN),
                Value.f64(Double.longBitsToDouble(0x7ff8_0000_0000_0001L)), // another NaN
                Value.f64(Double.POSITIVE_INFINITY),
                Value.f64(Double.NEGATIVE_INFINITY),
                Value.f64(-0.0),
                Value.f64(Double.MIN_VALUE),
                Value.f64(Double.MAX_VALUE),
                Value.str(""),
                Value.str("\u0000\n\u001b[31m\uD83D\uDE00"),
                Value.str("x".repeat(70_000)),
                Value.bytes(new byte[0]),
                Value.bytes(new byte[65_536]));
    }
}
