package io.weir.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.tools.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code weir bench scale}: two small counts, both sides, a row each and the plot. */
class BenchScaleCommandIT {

    @Test
    void aRowPerCountWithBothSidesAndThePlot(@TempDir Path dir) throws Exception {
        Path svg = dir.resolve("scale.svg");
        CliRun r =
                CliRun.execute(
                        "bench",
                        "scale",
                        "--devices",
                        "3,6",
                        "--duration",
                        "1",
                        "--warmup",
                        "1",
                        "--interval-ms",
                        "200",
                        "--baseline",
                        "j2mod",
                        "--svg",
                        svg.toString(),
                        "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err())
                .contains("scale: 1 of 2: 3 devices")
                .contains("scale: 2 of 2: 6 devices")
                .contains("devices: weir with 3 devices for 1 s after 1 s of warm-up")
                .contains("devices: j2mod with 6 devices for 1 s after 1 s of warm-up");
        String[] lines = r.out().strip().split("\n");
        JsonNode j = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertThat(j.get("bench").asText()).isEqualTo("scale");
        assertThat(j.get("warmup_s").asInt()).isEqualTo(1);
        JsonNode rows = j.get("rows");
        assertThat(rows).hasSize(2);
        for (int i = 0; i < 2; i++) {
            JsonNode row = rows.get(i);
            assertThat(row.get("devices").asInt()).isEqualTo(i == 0 ? 3 : 6);
            for (String side : new String[] {"weir", "j2mod"}) {
                JsonNode s = row.get(side);
                assertThat(s).as(side).isNotNull();
                // Every device polled at 5 Hz for about 1 s: real polls, none missed.
                assertThat(s.get("polls").asLong())
                        .as(side)
                        .isGreaterThanOrEqualTo(row.get("devices").asLong() * 3);
                assertThat(s.get("missed").asLong()).as(side).isZero();
                assertThat(s.get("p99_ms").asDouble()).as(side).isPositive();
                assertThat(s.get("cpu_us_per_poll").asDouble()).as(side).isPositive();
                assertThat(s.get("alloc_bytes_per_poll").asLong()).as(side).isPositive();
                // The JVM's start-up collected at least once before the window.
                assertThat(s.get("gcs_before_window").asLong()).as(side).isPositive();
            }
            // The baseline's every read is checked against the simulator's registers.
            assertThat(row.get("j2mod").get("wrong_values").asLong()).isZero();
        }
        String plot = Files.readString(svg);
        assertThat(plot).startsWith("<svg").contains("weir p99").contains("j2mod p50");
        assertThat(plot.split("<circle", -1)).hasSize(1 + 8);
    }

    @Test
    void aBadCountIsRefusedNamingIt() {
        CliRun r = CliRun.execute("bench", "scale", "--devices", "10,0");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("--devices: each count must be 1..60000, got 0");
        r = CliRun.execute("bench", "scale", "--devices", "10", "--baseline", "neuron");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("--baseline must be j2mod or plc4x, got \"neuron\"");
        r = CliRun.execute("bench", "scale", "--devices", "10", "--warmup", "-1");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("--warmup must be 0 s or more, got -1");
    }
}
