package io.weir.tools.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weir.host.driver.DriverSource;
import io.weir.tools.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weir replay --vectors}: corpus captures turned into vector files, which {@code weir driver
 * test} then runs against the same bundled driver (the Java vector runner, on Chicory) — every
 * vector must pass at once, and a changed expectation must fail.
 */
class ReplayVectorsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODBUS = System.getProperty("weir.driver.modbus", "modbus");
    private static final String S7 = System.getProperty("weir.driver.s7", "s7");

    @TempDir Path tmp;

    private static Path corpus(String relative) {
        return Path.of(System.getProperty("weir.corpus"), relative);
    }

    private static JsonNode lastJsonLine(CliRun r) throws Exception {
        String[] lines = r.out().split("\n");
        return JSON.readTree(lines[lines.length - 1]);
    }

    /** Replays {@code capture} with --vectors into DIR/vectors/replay.json; the JSON summary. */
    private JsonNode replayToVectors(Path dir, String driver, Path capture, String... more)
            throws Exception {
        Files.createDirectories(dir.resolve("vectors"));
        String[] args = {
            "replay",
            "--driver",
            driver,
            "--pcap",
            capture.toString(),
            "--json",
            "--vectors",
            dir.resolve("vectors/replay.json").toString()
        };
        String[] all = new String[args.length + more.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        CliRun r = CliRun.execute(all);
        assertThat(r.code()).as("replay exit code; stderr: %s", r.err()).isZero();
        JsonNode summary = lastJsonLine(r);
        assertThat(summary.get("kind").asText()).isEqualTo("summary");
        return summary;
    }

    /** {@code weir driver test DIR --wasm MODULE --json}: its summary line. */
    private JsonNode driverTest(Path dir, String driver) throws Exception {
        Path wasm = tmp.resolve(driver.replaceAll("[^A-Za-z0-9-]", "_") + ".wasm");
        if (!Files.exists(wasm)) {
            Files.write(wasm, DriverSource.bytes(driver));
        }
        CliRun r =
                CliRun.execute(
                        "driver", "test", dir.toString(), "--wasm", wasm.toString(), "--json");
        JsonNode summary = lastJsonLine(r);
        assertThat(summary.get("kind").asText()).isEqualTo("summary");
        return summary;
    }

    @Test
    void modbusCaptureBecomesVectorsTheDriverPasses() throws Exception {
        Path dir = tmp.resolve("modbus");
        Path capture = corpus("modbus_tcp/ntop-ndpi/modbus.pcap");
        JsonNode summary = replayToVectors(dir, MODBUS, capture);
        // Every pair replay decoded is one exchange of the file: 47 pairs in one connection.
        assertThat(summary.get("pairs").asInt()).isEqualTo(47);
        assertThat(summary.get("vector_exchanges").asInt()).isEqualTo(47);
        assertThat(summary.get("vector_exchanges_left_out").asInt()).isZero();
        assertThat(summary.get("vectors").asInt()).isEqualTo(1);

        JsonNode file = JSON.readTree(dir.resolve("vectors/replay.json").toFile());
        assertThat(file.get("driver").asText()).isEqualTo("modbus");
        JsonNode v = file.get("vectors").get(0);
        assertThat(v.get("source").asText())
                .contains(capture.toString())
                .contains("frames 1-2, 3-4,")
                .contains("192.168.110.138:502");
        assertThat(v.get("config").asText()).isEqualTo("device weir.transport=tcp\n");
        assertThat(v.get("host_abi").asText()).isEqualTo("1.1");
        JsonNode steps = v.get("steps");
        assertThat(steps).hasSize(94);
        // Frames 1-2 (tshark): transaction 209 reads holding register 1 of unit 1, which is 0.
        assertThat(steps.get(0).get("call").asText()).isEqualTo("observe");
        assertThat(steps.get(0).get("hex").asText()).isEqualTo("00d100000006010300010001");
        assertThat(steps.get(1).get("call").asText()).isEqualTo("frame");
        assertThat(steps.get(1).get("hex").asText()).isEqualTo("00d1000000050103020000");
        JsonNode record = steps.get(1).get("expect").get(0);
        assertThat(record.get("name").asText()).isEqualTo("holding/1");
        assertThat(record.get("value").asInt()).isZero();
        assertThat(record.get("quality").asText()).isEqualTo("GOOD");

        JsonNode test = driverTest(dir, MODBUS);
        assertThat(test.get("failed").asInt()).isZero();
        assertThat(test.get("skipped").asInt()).isZero();
        assertThat(test.get("passed").asInt()).isEqualTo(1);
    }

    @Test
    void s7CaptureBecomesVectorsTheDriverPasses() throws Exception {
        Path dir = tmp.resolve("s7");
        JsonNode summary =
                replayToVectors(
                        dir,
                        S7,
                        corpus("s7comm/apache-plc4x/manual-test-capture.pcapng"),
                        "--vectors-max",
                        "1000");
        // The setup, every Read Var and its answer: each pair replay made is in the file.
        assertThat(summary.get("pairs").asInt()).isEqualTo(121);
        assertThat(summary.get("vector_exchanges").asInt()).isEqualTo(121);
        assertThat(summary.get("vector_exchanges_left_out").asInt()).isZero();
        JsonNode file = JSON.readTree(dir.resolve("vectors/replay.json").toFile());
        assertThat(file.get("driver").asText()).isEqualTo("s7");
        long records = 0;
        for (JsonNode step : file.get("vectors").get(0).get("steps")) {
            records += step.path("expect").size();
        }
        // The points and the device status replay reported, each one an expected record.
        assertThat(records)
                .isEqualTo(
                        summary.get("points").asLong()
                                + summary.path("device_status").asLong()
                                + summary.path("write_results").asLong());

        JsonNode test = driverTest(dir, S7);
        assertThat(test.get("failed").asInt()).isZero();
        assertThat(test.get("skipped").asInt()).isZero();
        assertThat(test.get("passed").asInt()).isEqualTo(1);
    }

    @Test
    void theCapLimitsTheFileAndTheSummarySaysWhatWasLeftOut() throws Exception {
        Path dir = tmp.resolve("capped");
        JsonNode summary =
                replayToVectors(
                        dir,
                        MODBUS,
                        corpus("modbus_tcp/ntop-ndpi/modbus.pcap"),
                        "--vectors-max",
                        "5");
        assertThat(summary.get("vector_exchanges").asInt()).isEqualTo(5);
        assertThat(summary.get("vector_exchanges_left_out").asInt()).isEqualTo(42);
        assertThat(summary.get("vector_left_out_because").asText()).contains("--vectors-max 5");
        JsonNode v =
                JSON.readTree(dir.resolve("vectors/replay.json").toFile()).get("vectors").get(0);
        assertThat(v.get("steps")).hasSize(10);
        assertThat(v.get("source").asText()).contains("ends early");
        assertThat(driverTest(dir, MODBUS).get("failed").asInt()).isZero();

        // Text output: one line with the counts.
        CliRun text =
                CliRun.execute(
                        "replay",
                        "--driver",
                        MODBUS,
                        "--pcap",
                        corpus("modbus_tcp/ntop-ndpi/modbus.pcap").toString(),
                        "--vectors",
                        dir.resolve("vectors/replay.json").toString(),
                        "--vectors-max",
                        "5");
        assertThat(text.code()).isZero();
        assertThat(text.out())
                .contains("vectors: 5 exchanges in 1 vector written to ")
                .contains("42 more left out");
    }

    @Test
    void aChangedExpectationFailsTheVectors() throws Exception {
        Path dir = tmp.resolve("tampered");
        replayToVectors(dir, MODBUS, corpus("modbus_tcp/ntop-ndpi/modbus.pcap"));
        Path file = dir.resolve("vectors/replay.json");
        JsonNode doc = JSON.readTree(file.toFile());
        // Frame 4 answers holding/0 = 16840; the file must not pass with any other value.
        ObjectNode record =
                (ObjectNode) doc.get("vectors").get(0).get("steps").get(3).get("expect").get(0);
        assertThat(record.get("value").asInt()).isEqualTo(16840);
        record.put("value", 16841);
        JSON.writeValue(file.toFile(), doc);
        JsonNode test = driverTest(dir, MODBUS);
        assertThat(test.get("failed").asInt()).isEqualTo(1);
        assertThat(test.get("passed").asInt()).isZero();
    }

    @Test
    void badVectorOptionsAreRefusedBeforeTheReplay() {
        String capture = corpus("modbus_tcp/ntop-ndpi/modbus.pcap").toString();
        CliRun noFile =
                CliRun.execute(
                        "replay", "--driver", MODBUS, "--pcap", capture, "--vectors-max", "5");
        assertThat(noFile.code()).isNotZero();
        assertThat(noFile.err()).contains("--vectors-max applies to --vectors only");
        CliRun zero =
                CliRun.execute(
                        "replay",
                        "--driver",
                        MODBUS,
                        "--pcap",
                        capture,
                        "--vectors",
                        tmp.resolve("v.json").toString(),
                        "--vectors-max",
                        "0");
        assertThat(zero.code()).isNotZero();
        assertThat(zero.err()).contains("--vectors-max 0 is out of range");
        Path missing = tmp.resolve("no-such-folder/v.json");
        CliRun noFolder =
                CliRun.execute(
                        "replay",
                        "--driver",
                        MODBUS,
                        "--pcap",
                        capture,
                        "--vectors",
                        missing.toString());
        assertThat(noFolder.code()).isNotZero();
        assertThat(noFolder.err()).contains("--vectors " + missing).contains("does not exist");
        assertThat(missing.getParent()).doesNotExist();
    }

    @Test
    void rtuFramesAndACanLogBecomeVectorsToo() throws Exception {
        Path rtu = tmp.resolve("rtu");
        Files.createDirectories(rtu.resolve("vectors"));
        CliRun r =
                CliRun.execute(
                        "replay",
                        "--driver",
                        MODBUS,
                        "--rtu",
                        corpus("modbus_rtu/sigrok-dumps/flowmeter/flowmeter_graph_tool.frames.txt")
                                .toString(),
                        "--json",
                        "--vectors",
                        rtu.resolve("vectors/replay.json").toString());
        assertThat(r.code()).as("stderr: %s", r.err()).isZero();
        assertThat(lastJsonLine(r).get("vector_exchanges").asInt()).isEqualTo(9);
        JsonNode line =
                JSON.readTree(rtu.resolve("vectors/replay.json").toFile()).get("vectors").get(0);
        assertThat(line.get("config").asText()).isEqualTo("device weir.transport=serial\n");
        assertThat(driverTest(rtu, MODBUS).get("failed").asInt()).isZero();

        // pretty_j1939's truck frames (ReplayCandumpIT) through the CSS J1939 DBC.
        List<String> log = new ArrayList<>();
        for (String l :
                Files.readAllLines(corpus("can/j1939/nmfta-pretty_j1939/README.upstream.md"))) {
            if (l.startsWith("(1543509533.") && l.contains(" ; {\"")) {
                log.add(l.substring(0, l.indexOf(" ; ")));
            } else if (!log.isEmpty()) {
                break;
            }
        }
        Path file = tmp.resolve("truck.log");
        Files.write(file, log);
        Path can = tmp.resolve("can");
        Files.createDirectories(can.resolve("vectors"));
        CliRun c =
                CliRun.execute(
                        "replay",
                        "--driver",
                        "can-dbc",
                        "--dbc",
                        corpus("can/j1939/css-electronics/CSS-Electronics-SAE-J1939-DEMO.dbc")
                                .toString(),
                        "--candump",
                        file.toString(),
                        "--json",
                        "--vectors",
                        can.resolve("vectors/replay.json").toString());
        assertThat(c.code()).as("stderr: %s", c.err()).isZero();
        JsonNode summary = lastJsonLine(c);
        assertThat(summary.get("vector_exchanges").asInt()).isEqualTo(log.size());
        JsonNode steps =
                JSON.readTree(can.resolve("vectors/replay.json").toFile())
                        .get("vectors")
                        .get(0)
                        .get("steps");
        assertThat(steps).hasSize(log.size());
        long records = 0;
        for (JsonNode step : steps) {
            assertThat(step.get("call").asText()).isEqualTo("unsolicited");
            records += step.get("expect").size();
        }
        assertThat(records).isEqualTo(summary.get("points").asLong());
        assertThat(driverTest(can, "can-dbc").get("failed").asInt()).isZero();
        assertThat(driverTest(can, "can-dbc").get("passed").asInt()).isEqualTo(1);
    }

    @Test
    void aCaptureWithNothingDecodedWritesNoFile() {
        Path out = tmp.resolve("none.json");
        CliRun r =
                CliRun.execute(
                        "replay",
                        "--driver",
                        MODBUS,
                        "--pcap",
                        corpus("modbus_tcp/ntop-ndpi/modbus.pcap").toString(),
                        "--port",
                        "5020",
                        "--vectors",
                        out.toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err())
                .contains("--vectors " + out + " not written: the driver decoded no exchange of");
        assertThat(out).doesNotExist();
    }
}
