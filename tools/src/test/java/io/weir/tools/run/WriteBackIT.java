package io.weir.tools.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.tools.CliRun;
import io.weir.tools.cli.JsonLines;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Write-back through every bundled driver that writes, as an operator does it: {@code weir sim
 * modbus-tcp} (a plain register map, and an Inovance H3U from drivers/inovance/sim/h3u.toml) and
 * {@code weir sim s7}, one {@code weir run} polling all three, then {@code weir write} to a point
 * of each (integers, a float, a bool) — each acknowledged by the device and read back by the next
 * polls ({@code weir points}) — and the writes each driver refuses, with their exit codes.
 */
class WriteBackIT {
    @TempDir Path tmp;

    private static final Path ROOT =
            Path.of(System.getProperty("weir.root", "..")).toAbsolutePath();

    private final List<Process> processes = new ArrayList<>();

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

    private List<JsonNode> points(Path config) throws IOException {
        CliRun r = CliRun.execute("points", "--config", config.toString(), "--json");
        List<JsonNode> out = new ArrayList<>();
        if (r.code() != 0) {
            return out;
        }
        for (String l : r.out().split("\n")) {
            if (!l.isBlank()) {
                out.add(JsonLines.mapper().readTree(l));
            }
        }
        return out;
    }

    private void await(String what, Path config, Predicate<List<JsonNode>> until) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        List<JsonNode> last = List.of();
        while (System.nanoTime() < deadline) {
            last = points(config);
            if (until.test(last)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(what + " did not happen within 60 s; last points: " + last);
    }

    private static Predicate<List<JsonNode>> reads(String device, String point, String value) {
        return ps ->
                ps.stream()
                        .anyMatch(
                                p ->
                                        p.path("device").asText().equals(device)
                                                && p.path("point").asText().equals(point)
                                                && p.path("quality").asText().equals("good")
                                                && p.path("value").asText().equals(value));
    }

    private static CliRun write(Path config, String device, String point, String value) {
        return CliRun.execute("write", "--config", config.toString(), device, point, value);
    }

    @Test
    void weirWriteGoesThroughModbusS7AndInovance() throws Exception {
        Path map = tmp.resolve("plc.toml");
        Files.writeString(
                map,
                """
                [holding.100]
                name = "setpoint"
                value = 10
                """);
        int modbus = freePort();
        int inovance = freePort();
        int s7 = freePort();
        weir(
                "modbus",
                "sim",
                "modbus-tcp",
                "--listen",
                "127.0.0.1:" + modbus,
                "--registers",
                map.toString());
        weir(
                "inovance",
                "sim",
                "modbus-tcp",
                "--listen",
                "127.0.0.1:" + inovance,
                "--registers",
                ROOT.resolve("drivers/inovance/sim/h3u.toml").toString());
        weir("s7", "sim", "s7", "--listen", "127.0.0.1:" + s7);

        int admin = freePort();
        Path config = tmp.resolve("weir.toml");
        Files.writeString(
                config,
                """
                [gateway]
                name = "writes"
                data_dir = "data"

                [admin]
                listen = "127.0.0.1:%d"

                [[devices]]
                name = "boiler"
                driver = "modbus"
                link = "tcp://127.0.0.1:%d"
                interval = "200ms"

                  [[devices.points]]
                  name = "setpoint"
                  area = "holding"
                  address = 100
                  type = "u16"

                [[devices]]
                name = "h3u"
                driver = "inovance"
                link = "tcp://127.0.0.1:%d"
                interval = "200ms"
                series = "h3u"

                  [[devices.points]]
                  name = "d300"
                  element = "D300"
                  type = "f32"

                  [[devices.points]]
                  name = "y0"
                  element = "Y0"

                  [[devices.points]]
                  name = "x17"
                  element = "X17"

                [[devices]]
                name = "plc"
                driver = "s7"
                link = "tcp://127.0.0.1:%d"
                interval = "200ms"

                  [[devices.points]]
                  name = "word"
                  address = "DB1.DBW2"

                  [[devices.points]]
                  name = "real"
                  address = "DB1.DBD100:REAL"

                  [[devices.points]]
                  name = "flag"
                  address = "DB1.DBX0.1"
                """
                        .formatted(admin, modbus, inovance, s7));
        Process run = weir("run", "run", "--config", config.toString());
        await(
                "every device polled",
                config,
                ps ->
                        reads("boiler", "setpoint", "10").test(ps)
                                && ps.stream()
                                        .anyMatch(p -> p.path("device").asText().equals("h3u"))
                                && ps.stream()
                                        .anyMatch(p -> p.path("device").asText().equals("plc")));

        String[][] writes = {
            {"boiler", "setpoint", "42", "42"},
            {"h3u", "d300", "123.5", "123.5"},
            {"h3u", "y0", "true", "true"},
            {"plc", "word", "4242", "4242"},
            {"plc", "real", "-2.25", "-2.25"},
            {"plc", "flag", "true", "true"},
        };
        for (String[] w : writes) {
            CliRun r = write(config, w[0], w[1], w[2]);
            assertThat(r.code())
                    .as(
                            "weir write %s %s %s\n%s%s\n%s",
                            w[0], w[1], w[2], r.out(), r.err(), log("run"))
                    .isZero();
            assertThat(r.out()).contains(w[0] + "." + w[1] + " = " + w[2] + ": acknowledged");
        }
        for (String[] w : writes) {
            await(w[0] + "." + w[1] + " reads back " + w[3], config, reads(w[0], w[1], w[3]));
        }

        // Refusals: an input element, a value out of range, a string for a number.
        CliRun input = write(config, "h3u", "x17", "false");
        assertThat(input.code()).as(input.out() + input.err()).isEqualTo(5);
        CliRun range = write(config, "boiler", "setpoint", "70000");
        assertThat(range.code()).as(range.out() + range.err()).isEqualTo(5);
        CliRun text = write(config, "plc", "word", "abc");
        assertThat(text.code()).as(text.out() + text.err()).isEqualTo(5);
        assertThat(run.isAlive()).as(log("run")).isTrue();
    }
}
