package io.weir.tools.gateway;

import io.weir.abi.Quality;
import io.weir.host.points.Point;
import io.weir.host.points.PointSink;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The latest value of every point of every device, and how many bad points each device gave. */
public final class PointTable implements PointSink {
    private final Map<String, Map<String, Point>> latest = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> bad = new ConcurrentHashMap<>();

    @Override
    public void accept(List<Point> batch) {
        for (Point p : batch) {
            latest.computeIfAbsent(p.device(), d -> new ConcurrentHashMap<>()).put(p.point(), p);
            if (Quality.classOf(p.quality()) == Quality.QualityClass.BAD) {
                bad.computeIfAbsent(p.device(), d -> new LongAdder()).increment();
            }
        }
    }

    /** The latest points, of one device or (for {@code null}) all, ordered by device and point. */
    public List<Point> latest(String device) {
        List<Point> out = new ArrayList<>();
        for (Map.Entry<String, Map<String, Point>> e : latest.entrySet()) {
            if (device == null || device.equals(e.getKey())) {
                out.addAll(e.getValue().values());
            }
        }
        out.sort(Comparator.comparing(Point::device).thenComparing(Point::point));
        return out;
    }

    /** Bad-quality points a device has given so far. */
    public long badPoints(String device) {
        LongAdder a = bad.get(device);
        return a == null ? 0 : a.sum();
    }
}
