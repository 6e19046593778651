package io.weir.host.uplink;

import io.weir.host.points.Point;
import java.util.ArrayList;
import java.util.List;

/** Points of every value kind and quality class, for codec and envelope tests. */
public final class SamplePoints {
    private SamplePoints() {}

    public static List<Point> all() {
        List<Point> ps = new ArrayList<>();
        ps.add(new Point("plc1", "temp", 21.5, 0x0000, 1_700_000_000_000L, null));
        ps.add(new Point("plc1", "count", 123456789L, 0x0000, 1_700_000_000_001L, null));
        ps.add(new Point("plc1", "run", true, 0x0000, 1_700_000_000_001L, null));
        ps.add(new Point("plc1", "name", "泵站-1", 0x4000, 1_700_000_000_000L, "stale"));
        ps.add(
                new Point(
                        "plc2",
                        "raw",
                        new byte[] {1, 2, 3},
                        0x8000,
                        1_699_999_999_000L,
                        "timeout"));
        ps.add(new Point("plc2", "none", null, 0x8001, 1_700_000_000_005L, "no response"));
        ps.add(new Point("plc2", "neg", -5L, 0, 1_700_000_000_005L, null));
        return ps;
    }
}
