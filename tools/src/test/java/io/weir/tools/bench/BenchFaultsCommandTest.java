package io.weir.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.tools.CliRun;
import org.junit.jupiter.api.Test;

/**
 * {@code weir bench faults} through {@code execute()}, on three fixtures: the numbers are the
 * bench's to print, not this test's to judge (speed is proven by benchmarks); here the shape of the
 * report, the progress lines and the outcomes.
 */
class BenchFaultsCommandTest {

    @Test
    void reportsEachFixtureAndEndsWithOneJsonObject() throws Exception {
        CliRun r =
                CliRun.execute(
                        "bench",
                        "faults",
                        "--json",
                        "--healthy",
                        "2",
                        "--fault",
                        "loop-poll",
                        "--fault",
                        "tx-at-cap",
                        "--fault",
                        "import-env");
        assertThat(r.code()).as("stderr: %s", r.err()).isZero();
        String[] lines = r.out().strip().split("\n");
        JsonNode result = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertThat(result.get("bench").asText()).isEqualTo("faults");
        assertThat(result.get("healthy_devices").asInt()).isEqualTo(2);
        assertThat(result.get("rss_mb_max").asLong()).isPositive();
        JsonNode fixtures = result.get("fixtures");
        assertThat(fixtures).hasSize(3);

        JsonNode load = fixtures.get(0);
        assertThat(load.get("fixture").asText()).isEqualTo("import-env");
        assertThat(load.get("kind").asText()).isEqualTo("load");
        assertThat(load.get("outcome").asText()).isEqualTo("refused");
        assertThat(load.get("said").asText())
                .startsWith("driver \"import-env.wasm\" imports env.now");

        JsonNode loop = fixtures.get(2);
        assertThat(loop.get("fixture").asText()).isEqualTo("tx-at-cap");
        assertThat(loop.get("outcome").asText()).isEqualTo("runs");
        assertThat(loop.get("stop_ms").isNull()).isTrue();

        JsonNode poll = fixtures.get(1);
        assertThat(poll.get("fixture").asText()).isEqualTo("loop-poll");
        assertThat(poll.get("outcome").asText()).isEqualTo("quarantined");
        assertThat(poll.get("budget_ms").asInt()).isEqualTo(50);
        // Warm calls only: every stop counted is one past the call budget.
        assertThat(poll.get("stops").asInt()).isEqualTo(5);
        assertThat(poll.get("stop_ms").asDouble()).isGreaterThanOrEqualTo(50);
        assertThat(poll.get("said").asText())
                .endsWith("weir_poll ran past its budget of 50 ms and was interrupted");
        assertThat(poll.has("missed")).isTrue();

        assertThat(r.err()).contains("faults [1/3] import-env").contains("faults [2/3] loop-poll");
    }

    @Test
    void refusesNonsenseOptionsInOneLine() {
        CliRun r = CliRun.execute("bench", "faults", "--healthy", "0");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("--healthy must be at least 1, got 0");
    }
}
