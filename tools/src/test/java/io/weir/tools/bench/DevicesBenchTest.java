package io.weir.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class DevicesBenchTest {

    private static DevicesBench.Snapshot snapshot(long cycles, long... micros) {
        DevicesBench.Snapshot s = new DevicesBench.Snapshot();
        s.cycles = cycles;
        s.latency = new Histogram(DevicesBench.LATENCY_MAX_MICROS, 3);
        for (long m : micros) {
            s.latency.recordValue(m);
        }
        return s;
    }

    @Test
    void aSecondIsTheDifferenceOfTwoSumsAndItsOwnCollections() {
        // Cumulative sums: the first second had 300 µs cycles, the second adds an 8 ms one and 99
        // more of 300 µs.
        long[] first = new long[100];
        java.util.Arrays.fill(first, 300);
        long[] both = new long[200];
        java.util.Arrays.fill(both, 300);
        both[199] = 8_000;
        DevicesBench.Snapshot last = snapshot(100, first);
        DevicesBench.Snapshot now = snapshot(200, both);
        DevicesBench.Usage u0 = new DevicesBench.Usage(0, 1_000_000_000L, 0, 40, 900);
        DevicesBench.Usage lastUsage = new DevicesBench.Usage(0, 2_000_000_000L, 0, 41, 910);
        DevicesBench.Usage u = new DevicesBench.Usage(0, 3_050_000_000L, 0, 42, 922);
        assertThat(DevicesBench.second(now, last, u, lastUsage, u0))
                .isEqualTo(
                        "devices: weir second 2.1: 100 polls, p50 0.30 ms, p99 0.30 ms, p99.9 8.00"
                                + " ms, max 8.00 ms, 1 collections (12 ms)");
    }
}
