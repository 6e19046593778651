package io.weir.tools.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.tools.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weir replay --candump} end to end with the SDKs' CAN test driver, can-probe (a passive
 * J1939 listener for one source address that decodes CCVS wheel-based vehicle speed, PGN 65265,
 * bytes 2-3 little-endian in 1/256 km/h), over real logs of the corpus: a heavy truck's J1939
 * traffic (pretty_j1939's README, candump -L lines) and an NMEA 2000 bus (sigrok).
 */
class ReplayCandumpIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path canProbe;

    @TempDir Path tmp;

    @BeforeAll
    static void findDriver() {
        String root = System.getProperty("weir.root", "..");
        canProbe = Path.of(root, "sdk-assemblyscript/test/drivers/can-probe/build/can-probe.wasm");
        assertThat(canProbe).as("built by the sdk-assemblyscript module").exists();
    }

    private static Path corpus(String relative) {
        return Path.of(System.getProperty("weir.corpus"), "can", relative);
    }

    private static List<JsonNode> replay(String... args) throws IOException {
        CliRun r = CliRun.execute(args);
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String l : r.out().split("\n")) {
            lines.add(JSON.readTree(l));
        }
        return lines;
    }

    @Test
    void aTrucksCcvsFrameGivesTheSpeedPointAndEveryOtherFrameIsCounted() throws IOException {
        // The candump -L lines of pretty_j1939's README (its first example, "--candata"), without
        // its decoded comments (" ; {…}").
        List<String> log = new ArrayList<>();
        for (String l : Files.readAllLines(corpus("j1939/nmfta-pretty_j1939/README.upstream.md"))) {
            if (l.startsWith("(1543509533.") && l.contains(" ; {\"")) {
                log.add(l.substring(0, l.indexOf(" ; ")));
            } else if (!log.isEmpty()) {
                break;
            }
        }
        assertThat(log).hasSize(10).last().asString().contains("18FEF131#F7FFFF07CCFFFFFF");
        Path file = tmp.resolve("truck.log");
        Files.write(file, log);
        Path points = tmp.resolve("points.txt");
        Files.writeString(points, "# the cab controller\ndevice sa=49\npoint 0 pgn=65265\n");

        List<JsonNode> lines =
                replay(
                        "replay",
                        "--driver",
                        canProbe.toString(),
                        "--candump",
                        file.toString(),
                        "--points",
                        points.toString(),
                        "--json");
        assertThat(lines).hasSize(2);
        JsonNode p = lines.get(0);
        assertThat(p.get("device").asText()).isEqualTo("can0");
        assertThat(p.get("point").asText()).isEqualTo("#0");
        // Bytes 2-3 of CCVS1 are FF FF: 65535 / 256 km/h as can-probe reads them (J1939's "not
        // available", which pretty_j1939 leaves out; can-probe is a test driver, not J1939).
        assertThat(p.get("value").asDouble()).isEqualTo(65535 / 256.0);
        assertThat(p.get("quality").asText()).isEqualTo("good");
        assertThat(p.get("frame").asInt()).isEqualTo(10);
        assertThat(p.get("ts").asLong()).isEqualTo(1543509533001L);
        JsonNode s = lines.get(1);
        assertThat(s.get("kind").asText()).isEqualTo("summary");
        assertThat(s.get("frames").asInt()).isEqualTo(10);
        assertThat(s.get("points").asInt()).isEqualTo(1);
        assertThat(s.get("frames_without_points").asInt()).isEqualTo(9);
        assertThat(s.get("garbage_bytes").asInt()).isZero();
        assertThat(s.get("error_frames").asInt()).isZero();
    }

    @Test
    void aDbcGivesTheCanDbcDriverItsSignalsByName() throws IOException {
        // The same ten truck frames; pretty_j1939 decodes EEC1 (frame 5) to "Engine Speed": "649.0
        // [rpm]" and leaves CCVS1's wheel-based speed out (FF FF, not available).
        List<String> log = new ArrayList<>();
        for (String l : Files.readAllLines(corpus("j1939/nmfta-pretty_j1939/README.upstream.md"))) {
            if (l.startsWith("(1543509533.") && l.contains(" ; {\"")) {
                log.add(l.substring(0, l.indexOf(" ; ")));
            } else if (!log.isEmpty()) {
                break;
            }
        }
        Path file = tmp.resolve("truck.log");
        Files.write(file, log);
        Path dbc = corpus("j1939/css-electronics/CSS-Electronics-SAE-J1939-DEMO.dbc");

        List<JsonNode> lines =
                replay(
                        "replay",
                        "--driver",
                        "can-dbc",
                        "--dbc",
                        dbc.toString(),
                        "--candump",
                        file.toString(),
                        "--json");
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0).get("point").asText()).isEqualTo("EEC1.EngineSpeed");
        assertThat(lines.get(0).get("value").asDouble()).isEqualTo(649.0);
        assertThat(lines.get(0).get("frame").asInt()).isEqualTo(5);
        assertThat(lines.get(1).get("point").asText()).isEqualTo("EEC1.source_address");
        assertThat(lines.get(1).get("value").asInt()).isZero();
        JsonNode speed = lines.get(2);
        assertThat(speed.get("point").asText()).isEqualTo("CCVS1.WheelBasedVehicleSpeed");
        assertThat(speed.get("value").isNull()).as("not available is no number").isTrue();
        assertThat(speed.get("quality").asText()).isEqualTo("bad");
        assertThat(speed.get("error").asText()).contains("not available");
        assertThat(lines.get(3).get("value").asInt()).as("the cab controller").isEqualTo(49);
        assertThat(lines.get(4).get("points").asInt()).isEqualTo(4);
        assertThat(lines.get(4).get("frames_without_points").asInt()).isEqualTo(8);

        CliRun both =
                CliRun.execute(
                        "replay",
                        "--driver",
                        "can-dbc",
                        "--dbc",
                        dbc.toString(),
                        "--points",
                        dbc.toString(),
                        "--candump",
                        file.toString());
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("--dbc and --points exclude each other");
        Path bad = tmp.resolve("bad.dbc");
        Files.writeString(
                bad, "VERSION \"\"\nBO_ 100 M: 8 X\n SG_ S : 0|8@2+ (1,0) [0|1] \"\" X\n");
        CliRun refused =
                CliRun.execute(
                        "replay",
                        "--driver",
                        "can-dbc",
                        "--dbc",
                        bad.toString(),
                        "--candump",
                        file.toString());
        assertThat(refused.code()).isNotZero();
        assertThat(refused.err()).contains("bad.dbc:3:").contains("(--dbc)");
    }

    @Test
    void anNmea2000LogIsFramedWholeByTheDriverAndGivesNoPointOfAnotherSource() throws IOException {
        Path log = corpus("nmea2000-sigrok/nmea2000_fuel_flow_gps_snippet.candump.log");
        long frames = Files.readAllLines(log).stream().filter(l -> l.startsWith("(")).count();
        Path points = tmp.resolve("points.txt");
        Files.writeString(points, "device sa=49\npoint 0 pgn=65265\n");
        List<JsonNode> lines =
                replay(
                        "replay",
                        "--driver",
                        canProbe.toString(),
                        "--candump",
                        log.toString(),
                        "--points",
                        points.toString(),
                        "--json");
        assertThat(lines).hasSize(1);
        JsonNode s = lines.get(0);
        assertThat(s.get("frames").asLong()).isEqualTo(frames).isPositive();
        assertThat(s.get("frames_without_points").asLong()).isEqualTo(frames);
        assertThat(s.get("garbage_bytes").asInt()).isZero();
        assertThat(s.get("skipped").asInt()).isZero();
    }

    @Test
    void theTableNamesLineAndInterfaceAndABadLineStopsWithFileAndLine() throws IOException {
        Path file = tmp.resolve("cut.log");
        Files.writeString(
                file,
                "(1543509533.001528) can0 18FEF131#F7FFFF0700FFFFFF\n"
                        + "(1543509533.0016) can1 20000080#0000000000000000\n"
                        + "(1543509533.0017) can0 18FEF131#F7\u001b[31m\n");
        Path points = tmp.resolve("points.txt");
        Files.writeString(points, "device sa=49\npoint 0 pgn=65265\n");
        CliRun r =
                CliRun.execute(
                        "replay",
                        "--driver",
                        canProbe.toString(),
                        "--candump",
                        file.toString(),
                        "--points",
                        points.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out())
                .contains("  FRAME  TIME (UTC)")
                .contains("can0")
                .contains("255.99609375")
                .contains("(error_frame)")
                .contains(
                        "cut.log: 2 frames, 1 points (0 bad), 0 frames without points, 0 skipped,"
                                + " 1 error frames, 0 garbage bytes");
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).contains(file + ":3: ").doesNotContain("\u001b");
    }
}
