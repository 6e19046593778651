package io.weir.tools.admin;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.SummaryWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.weir.abi.Abi;
import io.weir.host.driver.CallStats;
import io.weir.host.driver.DriverModule;
import io.weir.host.poll.Session;
import io.weir.host.poll.SessionStatus;
import io.weir.host.uplink.Uplink;
import io.weir.tools.gateway.Gateway;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.AbstractHistogram;

/**
 * The gateway's Prometheus metrics: per device, per driver, for the uplink, and the JVM's. Every
 * value is read from the kernel, the drivers and the uplink at scrape time (callback metrics), so
 * the hot path keeps only the counters it keeps anyway.
 */
public final class GatewayMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Gateway gateway;

    public GatewayMetrics(Gateway gateway) {
        this.gateway = gateway;
        JvmMetrics.builder().register(registry);
        deviceCounter("weir_device_polls", "Poll cycles started.", SessionStatus::cycles);
        deviceCounter(
                "weir_device_missed_cycles",
                "Ticks that found the previous cycle still running or fell due while the host was"
                        + " late; counted, never queued.",
                SessionStatus::missed);
        deviceCounter("weir_device_timeouts", "Requests never answered.", SessionStatus::timeouts);
        deviceCounter(
                "weir_device_traps",
                "Traps of this device's driver instance.",
                SessionStatus::traps);
        deviceCounter("weir_device_points", "Points delivered.", SessionStatus::points);
        deviceCounter("weir_device_writes", "Write requests sent.", SessionStatus::writes);
        deviceCounter(
                "weir_device_dropped_bytes",
                "Received bytes dropped: resync, no request outstanding, frames too long.",
                SessionStatus::garbageBytes);
        CounterWithCallback.builder()
                .name("weir_device_bad_points")
                .help("Points delivered with bad quality.")
                .labelNames("device")
                .callback(
                        cb -> {
                            for (SessionStatus s : statuses()) {
                                cb.call(gateway.points().badPoints(s.device()), s.device());
                            }
                        })
                .register(registry);
        GaugeWithCallback.builder()
                .name("weir_device_link_up")
                .help("1 while the device's link is connected.")
                .labelNames("device")
                .callback(
                        cb -> {
                            for (SessionStatus s : statuses()) {
                                cb.call(s.linkUp() ? 1 : 0, s.device());
                            }
                        })
                .register(registry);
        SummaryWithCallback.builder()
                .name("weir_device_poll_latency_seconds")
                .help("Time from a cycle's first request to its end.")
                .labelNames("device")
                .callback(
                        cb -> {
                            for (Session s : sessions()) {
                                AbstractHistogram h = s.latencyMicros();
                                long n = h.getTotalCount();
                                cb.call(
                                        n,
                                        h.getMean() * n / 1e6,
                                        n == 0
                                                ? Quantiles.EMPTY
                                                : Quantiles.of(
                                                        quantile(h, 0.5),
                                                        quantile(h, 0.9),
                                                        quantile(h, 0.99)),
                                        s.name());
                            }
                        })
                .register(registry);
        driverMetric(
                "weir_driver_calls",
                "Calls into the driver, per export.",
                (stats, call) -> (double) stats.calls(call));
        driverMetric(
                "weir_driver_call_seconds",
                "Time spent inside the driver, per export: an estimate from one timed call in"
                        + " 16 of each export and instance (the calls are counted exactly,"
                        + " added in batches of 16).",
                (stats, call) -> stats.nanos(call) / 1e9);
        CounterWithCallback.builder()
                .name("weir_driver_traps")
                .help("Traps, panics, calls past their budget and region violations.")
                .labelNames("driver")
                .callback(
                        cb -> {
                            for (DriverModule m : gateway.drivers().values()) {
                                cb.call(m.stats().traps(), m.label());
                            }
                        })
                .register(registry);
        uplinkGauge(
                "weir_uplink_connected",
                "1 while connected to the receiver.",
                s -> s.connected() ? 1 : 0);
        uplinkGauge(
                "weir_uplink_outbox_batches",
                "Batches waiting in the outbox.",
                s -> s.outbox().batches());
        uplinkGauge(
                "weir_uplink_outbox_bytes",
                "Bytes waiting in the outbox.",
                s -> s.outbox().bytes());
        uplinkCounter(
                "weir_uplink_batches_sealed", "Batches sealed.", Uplink.Status::sealedBatches);
        uplinkCounter(
                "weir_uplink_acks",
                "Batches the receiver acknowledged.",
                Uplink.Status::ackedBatches);
        uplinkCounter(
                "weir_uplink_rejects",
                "Batches the receiver rejected (quarantined).",
                Uplink.Status::rejectedBatches);
        uplinkCounter(
                "weir_uplink_connects",
                "Connections made to the receiver (reconnects included).",
                Uplink.Status::connects);
    }

    private static Quantile quantile(AbstractHistogram h, double q) {
        return new Quantile(q, h.getValueAtPercentile(q * 100) / 1e6);
    }

    private List<SessionStatus> statuses() {
        return gateway.kernel() == null ? List.of() : gateway.kernel().status();
    }

    private List<Session> sessions() {
        return gateway.kernel() == null ? List.of() : gateway.kernel().sessions();
    }

    private void deviceCounter(String name, String help, ToDoubleFunction<SessionStatus> value) {
        CounterWithCallback.builder()
                .name(name)
                .help(help)
                .labelNames("device", "driver")
                .callback(
                        cb -> {
                            for (SessionStatus s : statuses()) {
                                cb.call(value.applyAsDouble(s), s.device(), s.driver());
                            }
                        })
                .register(registry);
    }

    private void driverMetric(
            String name,
            String help,
            java.util.function.BiFunction<CallStats, Abi.Export, Double> value) {
        CounterWithCallback.builder()
                .name(name)
                .help(help)
                .labelNames("driver", "call")
                .callback(
                        cb -> {
                            for (DriverModule m : gateway.drivers().values()) {
                                for (Abi.Export e : Abi.Export.values()) {
                                    if (m.stats().calls(e) > 0) {
                                        cb.call(
                                                value.apply(m.stats(), e),
                                                m.label(),
                                                e.exportName());
                                    }
                                }
                            }
                        })
                .register(registry);
    }

    private void uplinkGauge(String name, String help, ToDoubleFunction<Uplink.Status> value) {
        GaugeWithCallback.builder()
                .name(name)
                .help(help)
                .callback(
                        cb -> {
                            Uplink u = gateway.uplink();
                            if (u != null) {
                                cb.call(value.applyAsDouble(u.status()));
                            }
                        })
                .register(registry);
    }

    private void uplinkCounter(String name, String help, ToDoubleFunction<Uplink.Status> value) {
        CounterWithCallback.builder()
                .name(name)
                .help(help)
                .callback(
                        cb -> {
                            Uplink u = gateway.uplink();
                            if (u != null) {
                                cb.call(value.applyAsDouble(u.status()));
                            }
                        })
                .register(registry);
    }

    /** The Prometheus text exposition (version 0.0.4) of every metric. */
    public byte[] scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        writer.write(out, registry.scrape(), EscapingScheme.DEFAULT);
        return out.toByteArray();
    }

    public String contentType() {
        return writer.getContentType();
    }
}
