package io.weir.tools.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.tools.CliRun;
import io.weir.tools.admin.AdminClient;
import io.weir.tools.admin.AdminTarget;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway as an operator runs it, each part its own process: two {@code weir sim modbus-tcp}
 * devices, a {@code weir receiver}, and {@code weir run --config}. Points reach the receiver;
 * {@code weir status} and {@code /metrics} show the counters; {@code weir write} changes a register
 * that the next poll reads back; kill -9 of the gateway and a restart give every point at most once
 * at the receiver and lose nothing that was acknowledged; SIGTERM exits 0 with a summary.
 */
class ServiceIT {
    @TempDir Path tmp;

    private final List<Process> processes = new ArrayList<>();
    private final ObjectMapper json = new ObjectMapper();

    @AfterEach
    void killAll() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private Process weir(String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Djava.util.logging.SimpleFormatter.format=%1$tT %4$s %5$s%6$s%n");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.weir.tools.WeirCommand");
        cmd.addAll(List.of(args));
        Process p =
                new ProcessBuilder(cmd)
                        .redirectOutput(tmp.resolve(name + ".out").toFile())
                        .redirectError(tmp.resolve(name + ".err").toFile())
                        .start();
        processes.add(p);
        return p;
    }

    private String log(String name) throws IOException {
        return Files.readString(tmp.resolve(name + ".err"))
                + Files.readString(tmp.resolve(name + ".out"));
    }

    private List<JsonNode> received() throws IOException {
        Path out = tmp.resolve("received.jsonl");
        List<JsonNode> lines = new ArrayList<>();
        if (!Files.exists(out)) {
            return lines;
        }
        for (String l : Files.readAllLines(out)) {
            if (!l.isBlank()) {
                lines.add(json.readTree(l));
            }
        }
        return lines;
    }

    private void await(String what, Duration max, CheckedCondition c) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            if (c.met()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(what + " did not happen within " + max);
    }

    @FunctionalInterface
    interface CheckedCondition {
        boolean met() throws Exception;
    }

    private static Predicate<JsonNode> is(String device, String point) {
        return n ->
                n.path("device").asText().equals(device) && n.path("point").asText().equals(point);
    }

    @Test
    void runStatusWriteKillRestartAndStop() throws Exception {
        Path map = tmp.resolve("plc.toml");
        Files.writeString(
                map,
                """
                [holding.100]
                name = "setpoint"
                value = 10

                [holding.0]
                name = "heartbeat"
                gen = "counter"
                period = 1
                """);
        int plcA = freePort();
        int plcB = freePort();
        weir(
                "simA",
                "sim",
                "modbus-tcp",
                "--listen",
                "127.0.0.1:" + plcA,
                "--registers",
                map.toString());
        weir(
                "simB",
                "sim",
                "modbus-tcp",
                "--listen",
                "127.0.0.1:" + plcB,
                "--registers",
                map.toString());

        Path pki = tmp.resolve("pki");
        assertThat(
                        CliRun.execute(
                                        "pki",
                                        "init",
                                        "--dir",
                                        pki.toString(),
                                        "--gateway",
                                        "line-3")
                                .code())
                .isZero();
        int rxPort = freePort();
        weir(
                "receiver",
                "receiver",
                "--listen",
                "127.0.0.1:" + rxPort,
                "--pki",
                pki.toString(),
                "--db",
                "jdbc:h2:file:" + tmp.resolve("ingest"),
                "--out",
                tmp.resolve("received.jsonl").toString());

        int admin = freePort();
        Path config = tmp.resolve("weir.toml");
        Files.writeString(
                config,
                """
                [gateway]
                name = "line-3"
                data_dir = "data"

                [uplink]
                receiver = "127.0.0.1:%d"
                pki = "pki"

                [admin]
                listen = "127.0.0.1:%d"

                [[devices]]
                name = "boiler"
                driver = "modbus"
                link = "tcp://127.0.0.1:%d"
                interval = "200ms"
                unit = 1

                  [[devices.points]]
                  name = "setpoint"
                  area = "holding"
                  address = 100
                  type = "u16"

                  [[devices.points]]
                  name = "heartbeat"
                  area = "holding"
                  address = 0
                  type = "u16"

                [[devices]]
                name = "pump"
                driver = "modbus"
                link = "tcp://127.0.0.1:%d"
                interval = "200ms"
                unit = 1

                  [[devices.points]]
                  name = "heartbeat"
                  area = "holding"
                  address = 0
                  type = "u16"
                """
                        .formatted(rxPort, admin, plcA, plcB));

        Process run = weir("run1", "run", "--config", config.toString());
        await(
                "points of both devices at the receiver",
                Duration.ofSeconds(60),
                () -> {
                    List<JsonNode> r = received();
                    return r.stream().anyMatch(is("boiler", "setpoint"))
                            && r.stream().anyMatch(is("pump", "heartbeat"));
                });

        CliRun status = CliRun.execute("status", "--config", config.toString(), "--json");
        assertThat(status.code()).as(status.err()).isZero();
        JsonNode s = json.readTree(status.out());
        assertThat(s.path("gateway").asText()).isEqualTo("line-3");
        assertThat(s.path("uplink").path("connected").asBoolean()).isTrue();
        assertThat(s.path("devices")).hasSize(2);
        for (JsonNode d : s.path("devices")) {
            assertThat(d.path("link_up").asBoolean()).isTrue();
            assertThat(d.path("cycles").asLong()).isPositive();
        }
        CliRun table = CliRun.execute("status", "--config", config.toString());
        assertThat(table.out())
                .contains("boiler", "pump", "RUNNING", "uplink to 127.0.0.1:" + rxPort);

        AdminClient client = AdminTarget.connect(config);
        String metrics = client.metrics();
        assertThat(metrics)
                .contains("weir_device_polls_total{device=\"pump\"")
                .contains("weir_uplink_acks_total")
                .contains("weir_uplink_connected 1.0");

        CliRun write =
                CliRun.execute("write", "--config", config.toString(), "boiler", "setpoint", "42");
        assertThat(write.code()).as(write.out() + write.err()).isZero();
        assertThat(write.out()).contains("boiler.setpoint = 42: acknowledged");
        await(
                "the written setpoint read back and delivered",
                Duration.ofSeconds(30),
                () ->
                        received().stream()
                                .anyMatch(
                                        is("boiler", "setpoint")
                                                .and(n -> n.path("value").asLong() == 42)));
        CliRun refused =
                CliRun.execute("write", "--config", config.toString(), "boiler", "nope", "1");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("device boiler has no point \"nope\"");

        // kill -9 mid-run, then a restart from the same data folder.
        long before = received().size();
        run.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        Process run2 = weir("run2", "run", "--config", config.toString());
        await(
                "points after the restart",
                Duration.ofSeconds(60),
                () -> received().size() > before + 20);
        run2.destroy(); // SIGTERM
        assertThat(run2.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s").isTrue();
        assertThat(run2.exitValue()).as(log("run2")).isZero();
        assertThat(log("run2")).contains("SIGTERM: stopping").contains("line-3: ran ");
        assertThat(log("run2")).doesNotContain("Exception");

        // Every point at most once: a duplicate would repeat device, point and timestamp.
        List<JsonNode> all = received();
        Set<String> seen = new HashSet<>();
        for (JsonNode n : all) {
            String key =
                    n.path("device").asText()
                            + "/"
                            + n.path("point").asText()
                            + "@"
                            + n.path("ts").asLong();
            assertThat(seen.add(key)).as("delivered twice: %s", n).isTrue();
        }
        assertThat(all.stream().filter(is("pump", "heartbeat")).count()).isGreaterThan(10);
    }
}
