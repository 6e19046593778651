package io.weir.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.tools.CliRun;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The PLC4X baseline of {@code weir bench poll} and {@code weir bench devices} against the
 * benchmarks' real device simulator on loopback: PLC4X reads the registers the devices serve, and
 * each side's counts are of such reads. Checks that the numbers are real, never how fast.
 */
class Plc4xBaselineIT {

    @Test
    void readsTheRegistersTheDevicesServe() throws Exception {
        try (ManyDevicesSimulator sim = new ManyDevicesSimulator("127.0.0.1", 0, 1);
                Plc4xMaster m =
                        Plc4xMaster.open(
                                "127.0.0.1",
                                sim.port(),
                                7,
                                Duration.ofSeconds(3),
                                new int[] {100, 0},
                                10)) {
            int before = sim.seconds();
            int[] v = m.read(0).get(5, TimeUnit.SECONDS);
            int after = sim.seconds();
            // Register a holds a + s, s the simulator's seconds at the read: consecutive from 100.
            assertThat(v).hasSize(10);
            int s = v[0] - 100;
            assertThat(s).isBetween(before, after);
            for (int k = 0; k < 10; k++) {
                assertThat(v[k]).isEqualTo(100 + k + s);
            }
            assertThat(ManyDevicesSimulator.serves(100, v, before, after)).isTrue();
            // The check the poll benchmark counts wrong values with sees a read from elsewhere.
            assertThat(ManyDevicesSimulator.serves(105, v, before, after)).isFalse();
            assertThat(ManyDevicesSimulator.serves(95, v, before, after)).isFalse();
            assertThat(ManyDevicesSimulator.serves(100, Arrays.copyOf(v, 0))).isFalse();
            int[] swapped = v.clone();
            swapped[3] = v[4];
            swapped[4] = v[3];
            assertThat(ManyDevicesSimulator.serves(100, swapped)).isFalse();
            before = sim.seconds();
            int[] w = m.read(1).get(5, TimeUnit.SECONDS);
            assertThat(ManyDevicesSimulator.serves(0, w, before, sim.seconds())).isTrue();
        }
    }

    @Test
    void tagAddressesAreOneBasedUnsignedRegisters() {
        assertThat(Plc4xMaster.tagAddress(100, 10)).isEqualTo("holding-register:101:UINT[10]");
        assertThat(Plc4xMaster.url("127.0.0.1", 1502, 5, Duration.ofSeconds(3)))
                .isEqualTo(
                        "modbus-tcp://127.0.0.1:1502?default-unit-identifier=5"
                                + "&request-timeout=3000");
    }

    @Test
    void benchPollReportsRealPlc4xReads() throws Exception {
        // --duration is each client's window: 1 s over 2 rounds of 0.5 s.
        CliRun r =
                CliRun.execute(
                        "bench",
                        "poll",
                        "--duration",
                        "1",
                        "--rounds",
                        "2",
                        "--warmup",
                        "0",
                        "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("poll: plc4x");
        String[] lines = r.out().strip().split("\n");
        JsonNode plc4x = new ObjectMapper().readTree(lines[lines.length - 1]).get("plc4x");
        assertThat(plc4x.isObject()).as(lines[lines.length - 1]).isTrue();
        assertThat(plc4x.get("rounds").asInt()).isEqualTo(2);
        assertThat(plc4x.get("slice_s").asDouble()).isEqualTo(0.5);
        assertThat(plc4x.get("reads").asLong()).isPositive();
        assertThat(plc4x.get("reads_per_s").asLong()).isPositive();
        assertThat(plc4x.get("wrong_values").asLong()).isZero();
        assertThat(plc4x.get("p99_us").asLong()).isPositive();
    }

    @Test
    void devicesBaselineOpensEveryDeviceAndPollsItInItsOwnJvm() throws Exception {
        List<String> progress = Collections.synchronizedList(new ArrayList<>());
        try (ManyDevicesSimulator sim = new ManyDevicesSimulator("127.0.0.1", 0, 1)) {
            Map<String, Object> r =
                    DevicesBench.side(
                            new DevicesBench.Side(
                                    "plc4x",
                                    3,
                                    Duration.ofSeconds(2),
                                    Duration.ZERO,
                                    Duration.ofMillis(200),
                                    sim.port(),
                                    false),
                            progress::add);
            assertThat(r.get("side")).isEqualTo("plc4x");
            assertThat(r.get("opened")).isEqualTo(3);
            assertThat(r.get("open_complete")).isEqualTo(true);
            assertThat(r.get("open_failed")).isEqualTo(0);
            // 3 devices at 5 Hz for 2 s: 30 polls expected; every one read real registers.
            assertThat(((Number) r.get("polls")).longValue()).isPositive();
            assertThat(((Number) r.get("wrong_values")).longValue()).isZero();
            assertThat(((Number) r.get("errors")).longValue()).isZero();
            assertThat(((Number) r.get("threads")).intValue()).isPositive();
            assertThat(((Number) r.get("rss_mb")).longValue()).isPositive();
            assertThat(r).containsKeys("p50_ms", "p99_ms", "heap_per_device_bytes", "host_cpu_pct");
        }
        assertThat(progress).anyMatch(l -> l.startsWith("devices: plc4x with 3 devices"));
    }
}
