package io.weir.tools.uplink;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.host.uplink.UplinkPki;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark runs end to end and checks its own delivery (small size; numbers not asserted). */
class UplinkBenchIT {
    @TempDir Path tmp;

    @Test
    void benchDeliversAndVerifiesEveryPoint() throws Exception {
        long n = Long.getLong("weir.bench.points", 200_000);
        Map<String, Object> r =
                UplinkBench.run(
                        new UplinkBench.Options(
                                n,
                                Long.getLong("weir.bench.outageSeconds", 0),
                                5000,
                                16,
                                1,
                                UplinkPki.Algorithm.SM2,
                                io.weir.host.uplink.Outbox.Durability.valueOf(
                                        System.getProperty(
                                                "weir.bench.durability", "PROCESS_CRASH")),
                                tmp),
                        System.out::println);
        System.out.println(r);
        assertThat(r.get("verified")).isEqualTo(true);
        assertThat((Long) r.get("points_per_s")).isPositive();
    }
}
