package io.weir.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.host.points.Point;
import io.weir.host.points.Value;
import io.weir.host.uplink.PointBatch;
import io.weir.host.uplink.Uplink;
import io.weir.host.uplink.UplinkConfig;
import io.weir.host.uplink.UplinkPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Gateway and receiver over real loopback TLS, in both cipher policies. */
class UplinkLoopbackIT {
    @TempDir Path tmp;

    static List<Point> numbered(String device, long from, int n) {
        List<Point> ps = new ArrayList<>(n);
        for (long i = from; i < from + n; i++) {
            ps.add(new Point(device, "counter", Value.i64(i), 0, 1_700_000_000_000L + i, null));
        }
        return ps;
    }

    /** Every stored point's value, in storing order. */
    static List<Long> values(IngestStore store, String gateway, String device) throws Exception {
        List<Long> out = new ArrayList<>();
        for (IngestStore.Batch b : store.batches(gateway)) {
            byte[] plain = b.deflated() ? PointBatch.inflate(b.payload()) : b.payload();
            for (Point p : PointBatch.decode(plain)) {
                if (p.device().equals(device)) {
                    out.add(((Value.I64) p.value()).value());
                }
            }
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(UplinkPki.Algorithm.class)
    void pointsArriveOnceAndInOrder(UplinkPki.Algorithm alg) throws Exception {
        UplinkPki pki = PkiIssuer.init(tmp.resolve("pki"), alg, "gw-01");
        Path out = tmp.resolve("points.jsonl");
        try (Receiver rx =
                Receiver.start(
                        Receiver.Config.fromPki(
                                        pki,
                                        "127.0.0.1",
                                        0,
                                        "jdbc:h2:file:" + tmp.resolve("ingest"),
                                        out)
                                .withRequireSignature(true))) {
            UplinkConfig cfg =
                    UplinkConfig.forGateway(
                                    pki,
                                    "gw-01",
                                    "127.0.0.1",
                                    rx.port(),
                                    "jdbc:h2:file:" + tmp.resolve("outbox"))
                            .withBatching(
                                    new UplinkConfig.Batching(1000, Duration.ofMillis(50), 8));
            try (Uplink up = Uplink.start(cfg)) {
                for (int i = 0; i < 20; i++) {
                    up.sink().accept(numbered("plc", i * 1000L, 1000));
                }
                up.sink().accept(numbered("plc", 20_000, 7));
                assertThat(up.awaitDrained(Duration.ofSeconds(60)))
                        .as("outbox drained, %s", up.status())
                        .isTrue();
                assertThat(up.status().ackedPoints()).isEqualTo(20_007);
                // One send-to-ACK latency per batch; the histogram holds all of them.
                Histogram lat = up.ackLatencyMicros();
                assertThat(lat.getTotalCount()).isEqualTo(up.status().ackedBatches());
                assertThat(lat.getValueAtPercentile(99.0))
                        .isPositive()
                        .isLessThanOrEqualTo(lat.getMaxValue());
                up.resetLatencies();
                assertThat(up.ackLatencyMicros().getTotalCount()).isZero();
            }
            List<Long> got = values(rx.store(), "gw-01", "plc");
            assertThat(got).hasSize(20_007);
            for (int i = 0; i < got.size(); i++) {
                assertThat(got.get(i)).isEqualTo((long) i);
            }
            List<String> lines = Files.readAllLines(out);
            assertThat(lines).hasSize(20_007);
            assertThat(lines.get(5))
                    .contains(
                            "\"gateway\":\"gw-01\"",
                            "\"device\":\"plc\"",
                            "\"point\":\"counter\"",
                            "\"value\":5",
                            "\"quality\":\"good\"",
                            "\"ts\":1700000000005");
            assertThat(rx.stats().rejected()).isZero();
        }
    }
}
