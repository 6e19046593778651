package io.weir.tools.driver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.tools.CliRun;
import io.weir.tools.cli.JsonLines;
import org.junit.jupiter.api.Test;

/**
 * {@code weir bench swap} on a short run: real j2mod slaves on loopback, the bundled Modbus driver
 * and its twin (the next patch version) swapped again and again. What it checks is what must hold
 * on any machine: every swap switched every device with its state, and every cycle delivered its
 * points exactly once. How fast (missed ticks, the pause) is the benchmark's to print, not a test's
 * to assert.
 */
class SwapBenchIT {
    @Test
    void swapsUnderLoadLoseAndDuplicateNothing() throws Exception {
        CliRun r =
                CliRun.execute(
                        "bench",
                        "swap",
                        "--devices",
                        "8",
                        "--interval-ms",
                        "50",
                        "--duration",
                        "3",
                        "--warmup",
                        "1",
                        "--swap-every-ms",
                        "250",
                        "--json");
        assertThat(r.code()).as("err: %s", r.err()).isZero();
        assertThat(r.err()).contains("swap bench: ");
        String[] lines = r.out().strip().split("\n");
        JsonNode j = JsonLines.mapper().readTree(lines[lines.length - 1]);
        for (String key :
                new String[] {
                    "devices", "polls", "missed", "lost", "duplicated", "swaps", "swap_pause_p99_ms"
                }) {
            assertThat(j.has(key)).as(key).isTrue();
        }
        assertThat(j.path("devices").asInt()).isEqualTo(8);
        long swaps = j.path("swaps").asLong();
        assertThat(swaps).isGreaterThanOrEqualTo(3);
        assertThat(j.path("device_swaps").asLong()).isEqualTo(swaps * 8);
        assertThat(j.path("polls").asLong()).isPositive();
        assertThat(j.path("finished_in_flight").asBoolean()).isTrue();
        assertThat(j.path("last_version").asText())
                .isIn("modbus " + SwapBench.BUNDLED_VERSION, "modbus " + SwapBench.TWIN_VERSION);
        if (j.path("accounting_exact").asBoolean()) {
            assertThat(j.path("lost").asLong()).isZero();
            assertThat(j.path("duplicated").asLong()).isZero();
            assertThat(j.path("lost_points").asLong()).isZero();
            assertThat(j.path("duplicated_points").asLong()).isZero();
        } else {
            // A link dropped or an instance trapped (a starved machine): the bench said so.
            assertThat(j.path("traps").asLong() + j.path("link_down_reports").asLong())
                    .isPositive();
        }
    }

    @Test
    void badOptionsAreOneLine() {
        CliRun r = CliRun.execute("bench", "swap", "--devices", "0");
        assertThat(r.code()).isNotZero();
        assertThat(r.err().strip()).contains("--devices must be at least 1").doesNotContain("\n");
    }
}
