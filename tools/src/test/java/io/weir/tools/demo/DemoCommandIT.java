package io.weir.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.tools.CliRun;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code weir demo --duration 5 --json} in-process: simulator, kernel, WASM driver, real TCP. */
class DemoCommandIT {
    @Test
    void printsChangingPointsThenExitsZero() throws Exception {
        long t0 = System.currentTimeMillis();
        CliRun run =
                CliRun.execute(
                        "demo",
                        "--duration",
                        "5",
                        "--json",
                        "--driver",
                        System.getProperty("weir.driver.modbus", "modbus"));
        long elapsed = System.currentTimeMillis() - t0;
        assertThat(run.code()).as("exit code; stderr: %s", run.err()).isZero();
        assertThat(elapsed).isBetween(4_500L, 20_000L);
        // The uplink runs by default; its progress stays off the JSON stdout.
        long printed = run.out().lines().count();
        assertThat(run.err())
                .contains("received decrypted by the receiver")
                .contains("demo: uplink delivered " + printed + " of " + printed + " points");

        ObjectMapper json = new ObjectMapper();
        Map<String, List<JsonNode>> byPoint = new HashMap<>();
        String[] lines = run.out().split("\n");
        for (String line : lines) {
            JsonNode n = json.readTree(line); // every stdout line is one JSON object
            for (String field : List.of("device", "point", "value", "quality", "ts")) {
                assertThat(n.has(field)).as("%s in %s", field, line).isTrue();
            }
            assertThat(n.get("device").asText()).isEqualTo(DemoCommand.DEVICE);
            assertThat(n.get("quality").asText()).as(line).isEqualTo("good");
            assertThat(n.get("ts").asLong()).isBetween(t0 - 1000, t0 + elapsed + 1000);
            byPoint.computeIfAbsent(n.get("point").asText(), k -> new ArrayList<>()).add(n);
        }
        // The built-in map: 17 values of every type and order, polled about once a second.
        assertThat(byPoint).hasSize(17);
        assertThat(byPoint.values())
                .allSatisfy(l -> assertThat(l.size()).isGreaterThanOrEqualTo(3));

        // Values decoded through the WASM driver match what the simulator serves.
        assertThat(byPoint.get("firmware_version"))
                .allSatisfy(n -> assertThat(n.get("value").asLong()).isEqualTo(513));
        assertThat(byPoint.get("remote_mode"))
                .allSatisfy(n -> assertThat(n.get("value").asBoolean()).isTrue());
        assertThat(byPoint.get("boiler_temp_c"))
                .allSatisfy(n -> assertThat(n.get("value").asDouble()).isBetween(16.49, 26.51));
        assertThat(byPoint.get("water_total_l"))
                .allSatisfy(
                        n ->
                                assertThat(n.get("value").asLong())
                                        .isGreaterThanOrEqualTo(4_000_000_000L));
        assertThat(byPoint.get("energy_wh"))
                .allSatisfy(
                        n ->
                                assertThat(n.get("value").asLong())
                                        .isGreaterThanOrEqualTo(1_000_000_000_000L));

        // Values change between cycles: counters climb, waves and walks move.
        List<Long> counter =
                byPoint.get("heartbeat").stream().map(n -> n.get("value").asLong()).toList();
        assertThat(counter.get(counter.size() - 1)).isGreaterThan(counter.get(0));
        Set<String> moving = new HashSet<>();
        byPoint.forEach(
                (point, list) -> {
                    if (list.stream().map(n -> n.get("value").toString()).distinct().count() > 1) {
                        moving.add(point);
                    }
                });
        assertThat(moving)
                .contains(
                        "heartbeat",
                        "hx_diff_pressure_pa",
                        "boiler_temp_c",
                        "tank_level_pct",
                        "water_total_l",
                        "line_speed_m_min",
                        "energy_wh",
                        "conveyor_position_mm",
                        "grid_frequency_hz",
                        "motor_running");
    }

    @Test
    void tableModeShowsWhatTheReceiverDecrypted() {
        CliRun run =
                CliRun.execute(
                        "demo",
                        "--duration",
                        "3.5",
                        "--driver",
                        System.getProperty("weir.driver.modbus", "modbus"));
        assertThat(run.code()).as("exit code; stderr: %s", run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        List<String> rows = lines.stream().filter(l -> l.contains(DemoCommand.DEVICE)).toList();
        assertThat(rows).isNotEmpty().allSatisfy(l -> assertThat(l).endsWith("good"));
        List<String> progress = lines.stream().filter(l -> l.startsWith("uplink: ")).toList();
        assertThat(progress).as("progress lines in %s", run.out()).isNotEmpty();
        // "last:" names a point of the demo, with its value as the receiver decrypted it.
        assertThat(progress.get(progress.size() - 1))
                .matches(
                        "uplink: \\d+ points sealed \\(SM4-GCM, SM2-wrapped key, TLS 1\\.3 GM\\),"
                                + " [1-9]\\d* received decrypted by the receiver, last:"
                                + " [a-z_]+=.+");
        assertThat(run.out())
                .contains("demo: uplink delivered " + rows.size() + " of " + rows.size());
    }

    @Test
    void noUplinkPollsOnly() {
        CliRun run =
                CliRun.execute(
                        "demo",
                        "--duration",
                        "2.5",
                        "--json",
                        "--no-uplink",
                        "--driver",
                        System.getProperty("weir.driver.modbus", "modbus"));
        assertThat(run.code()).as("exit code; stderr: %s", run.err()).isZero();
        assertThat(run.out().lines().count()).isGreaterThan(0);
        assertThat(run.err()).doesNotContain("uplink");
    }
}
