package io.weir.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.tools.CliRun;
import org.junit.jupiter.api.Test;

/**
 * {@code weir bench poll} end to end in interleaved rounds on loopback: the gateway (kernel, TCP
 * transport, WASM driver), j2mod and PLC4X against the in-process device simulator, each paused
 * while the others read. Checks that every side read real registers in every round and that the
 * fields are there, never how fast.
 */
class PollBenchIT {

    @Test
    void everySideReadsInEveryRound() throws Exception {
        CliRun r =
                CliRun.execute(
                        "bench",
                        "poll",
                        "--rounds",
                        "2",
                        "--slice",
                        "0.5",
                        "--warmup",
                        "0",
                        // The gateway's I/O thread spins between events (BusyPoll): the whole
                        // read path through it.
                        "--busy-poll-us",
                        "20",
                        "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err())
                .contains("poll: j2mod connects and warms up")
                .contains("poll: plc4x connects and warms up")
                .containsPattern(
                        "poll: round 1/2: weir [0-9,]+/s, j2mod [0-9,]+/s, plc4x [0-9,]+/s")
                .contains("poll: round 2/2: ");
        String[] lines = r.out().strip().split("\n");
        String last = lines[lines.length - 1];
        JsonNode j = new ObjectMapper().readTree(last);
        assertThat(j.get("bench").asText()).isEqualTo("poll");
        assertThat(j.get("rounds").asInt()).isEqualTo(2);
        assertThat(j.get("slice_s").asDouble()).isEqualTo(0.5);
        for (String side : new String[] {"weir", "j2mod", "plc4x"}) {
            JsonNode s = j.get(side);
            assertThat(s.isObject()).as(side + " in " + last).isTrue();
            assertThat(s.get("rounds").asInt()).as(side).isEqualTo(2);
            assertThat(s.get("slice_s").asDouble()).as(side).isEqualTo(0.5);
            JsonNode perRound = s.get("per_round_reads_per_s");
            assertThat(perRound.size()).as(side).isEqualTo(2);
            for (JsonNode n : perRound) {
                assertThat(n.asLong()).as(side + " reads/s in a round of " + last).isPositive();
            }
            assertThat(s.get("reads").asLong()).as(side).isPositive();
            assertThat(s.get("reads_per_s").asLong()).as(side).isPositive();
            // Two slices of at least 0.5 s each (a slice ends at the first read's end or pause
            // after it).
            assertThat(s.get("window_s").asDouble()).as(side).isGreaterThanOrEqualTo(1.0);
            assertThat(s.get("p50_us").asLong()).as(side).isPositive();
            assertThat(s.get("p99_us").asLong())
                    .as(side)
                    .isGreaterThanOrEqualTo(s.get("p50_us").asLong());
            assertThat(s.get("max_us").asLong())
                    .as(side)
                    .isGreaterThanOrEqualTo(s.get("p99_us").asLong());
            assertThat(s.get("how").asText()).as(side).isNotEmpty();
            assertThat(s.get("process_cpu_us_per_read").asDouble()).as(side).isPositive();
        }
        // Every value the gateway and PLC4X read was the device's.
        assertThat(j.get("weir").get("wrong_values").asLong()).isZero();
        assertThat(j.get("j2mod").get("wrong_values").asLong()).isZero();
        assertThat(j.get("plc4x").get("wrong_values").asLong()).isZero();
        assertThat(j.get("weir").get("interval_ms").asLong()).isZero();
        assertThat(j.get("weir").get("busy_poll_us").asLong()).isEqualTo(20);
        for (String ratio : new String[] {"weir_vs_j2mod", "weir_vs_plc4x"}) {
            JsonNode q = j.get(ratio);
            double min = q.get("min").asDouble();
            double median = q.get("median").asDouble();
            double max = q.get("max").asDouble();
            assertThat(min).as(ratio).isPositive();
            assertThat(median).as(ratio).isBetween(min, max);
            // Two rounds: the median is their mean.
            assertThat(median).as(ratio).isCloseTo((min + max) / 2, within(0.002));
        }
    }
}
