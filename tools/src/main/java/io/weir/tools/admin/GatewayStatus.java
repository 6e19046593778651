package io.weir.tools.admin;

import io.weir.host.driver.DriverModule;
import io.weir.host.points.Point;
import io.weir.host.poll.Session;
import io.weir.host.poll.SessionStatus;
import io.weir.host.uplink.Uplink;
import io.weir.tools.gateway.Gateway;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the admin API answers, as plain maps for JSON: {@code GET /status} and {@code GET /points}.
 * Keys are snake_case and stable; scripts rely on them.
 */
public final class GatewayStatus {
    private GatewayStatus() {}

    public static Map<String, Object> status(Gateway g) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gateway", g.settings().name());
        m.put("started", g.started().toString());
        m.put("uptime_s", Duration.between(g.started(), Instant.now()).toSeconds());
        m.put("uplink", uplink(g));
        List<Map<String, Object>> devices = new ArrayList<>();
        for (Session s : g.kernel().sessions()) {
            devices.add(device(g, s));
        }
        m.put("devices", devices);
        List<Map<String, Object>> quarantined = new ArrayList<>();
        for (Map.Entry<String, DriverModule.Quarantine> q : g.kernel().quarantines().entrySet()) {
            Map<String, Object> d = new LinkedHashMap<>();
            // The kernel names a version by its label, "name version" (a name has no spaces).
            String label = q.getKey();
            int space = label.indexOf(' ');
            d.put("name", space < 0 ? label : label.substring(0, space));
            d.put("version", space < 0 ? null : label.substring(space + 1));
            d.putAll(quarantine(q.getValue()));
            quarantined.add(d);
        }
        m.put("quarantined_drivers", quarantined);
        return m;
    }

    private static Map<String, Object> quarantine(DriverModule.Quarantine q) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reason", q.reason());
        m.put("since", Instant.ofEpochMilli(q.sinceMillis()).toString());
        m.put("traps", q.traps());
        return m;
    }

    private static Map<String, Object> uplink(Gateway g) {
        Uplink u = g.uplink();
        if (u == null) {
            return null;
        }
        Uplink.Status s = u.status();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("receiver", g.settings().uplink().get().receiver().toString());
        m.put("connected", s.connected());
        m.put("epoch", s.epoch());
        m.put("committed_points", s.committedPoints());
        m.put("acked_batches", s.ackedBatches());
        m.put("acked_points", s.ackedPoints());
        m.put("rejected_batches", s.rejectedBatches());
        m.put("outbox_batches", s.outbox().batches());
        m.put("outbox_points", s.outbox().points());
        m.put("outbox_bytes", s.outbox().bytes());
        m.put("connects", s.connects());
        m.put("last_error", s.lastError());
        return m;
    }

    private static Map<String, Object> device(Gateway g, Session session) {
        SessionStatus s = session.status();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("device", s.device());
        m.put("driver", s.driver());
        m.put("link", s.link());
        m.put("link_up", s.linkUp());
        m.put("state", s.state().name());
        m.put("cycles", s.cycles());
        m.put("missed", s.missed());
        m.put("unserved", s.unserved());
        m.put("timeouts", s.timeouts());
        m.put("traps", s.traps());
        m.put("points", s.points());
        m.put("bad_points", g.points().badPoints(s.device()));
        m.put("writes", s.writes());
        m.put("dropped_bytes", s.garbageBytes());
        m.put("last_latency_ms", s.lastLatencyMicros() / 1000.0);
        var h = session.latencyMicros();
        m.put(
                "p99_latency_ms",
                h.getTotalCount() == 0 ? null : h.getValueAtPercentile(99) / 1000.0);
        m.put("last_error", s.lastError());
        if (s.quarantine() != null) {
            m.put("quarantine", quarantine(s.quarantine()));
        }
        return m;
    }

    public static Map<String, Object> points(Gateway g, String device) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Point p : g.points().latest(device)) {
            out.add(point(p));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("points", out);
        return m;
    }

    /** A point as every JSON line of Weir writes it. */
    public static Map<String, Object> point(Point p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("device", p.device());
        m.put("point", p.point());
        m.put("value", p.value().json());
        m.put("quality", p.qualityClass());
        m.put("ts", p.tsMillis());
        if (p.error() != null) {
            m.put("error", p.error());
        }
        return m;
    }
}
