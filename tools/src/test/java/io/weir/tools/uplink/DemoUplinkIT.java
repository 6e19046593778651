package io.weir.tools.uplink;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.host.points.Point;
import io.weir.host.points.Value;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoUplinkIT {
    @TempDir Path tmp;

    @Test
    void pointsComeOutDecryptedAtTheFarEnd() throws Exception {
        LinkedBlockingQueue<Point> got = new LinkedBlockingQueue<>();
        Path out = tmp.resolve("received.jsonl");
        try (DemoUplink up = DemoUplink.start(tmp, out)) {
            up.onReceived((gw, points) -> got.addAll(points));
            assertThat(up.describe()).contains("gw-01", "TLS_SM4_GCM_SM3", out.toString());
            up.sink()
                    .accept(
                            List.of(
                                    new Point(
                                            "sim",
                                            "hr0",
                                            Value.i64(42),
                                            0,
                                            1_700_000_000_000L,
                                            null),
                                    new Point(
                                            "sim",
                                            "max",
                                            Value.u64(-1L),
                                            0,
                                            1_700_000_000_000L,
                                            null)));
            Point p = got.poll(10, TimeUnit.SECONDS);
            assertThat(p).isNotNull();
            assertThat(p.value()).isEqualTo(Value.i64(42));
            assertThat(got.poll(10, TimeUnit.SECONDS).value()).isEqualTo(Value.u64(-1L));
        }
        assertThat(Files.readString(out))
                .contains("\"device\":\"sim\"", "\"value\":42", "\"value\":18446744073709551615");
        // A second start reuses the PKI and the outbox.
        try (DemoUplink again = DemoUplink.start(tmp, out)) {
            assertThat(again.uplink().status().outbox().batches()).isZero();
        }
    }
}
