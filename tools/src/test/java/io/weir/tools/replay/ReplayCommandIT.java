package io.weir.tools.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.tools.CliRun;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code weir replay} end to end through execute(), with the bundled driver. */
class ReplayCommandIT {
    private static final String DRIVER = System.getProperty("weir.driver.modbus", "modbus");

    private static String capture(String relative) {
        return Path.of(System.getProperty("weir.corpus"), "modbus_tcp", relative).toString();
    }

    private static String[] run(String... args) {
        CliRun r = CliRun.execute(args);
        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isZero();
        return r.out().split("\n");
    }

    /** `weir replay --json` of corpus capture {@code name} through the Modbus driver. */
    private static String[] replayJson(String name) {
        return run("replay", "--driver", DRIVER, "--pcap", capture(name), "--json");
    }

    @Test
    void jsonLinesMatchWiresharksFirstExchange() throws Exception {
        String[] lines = replayJson("ntop-ndpi/modbus.pcap");
        // Frame 2 answers "read holding register 1" (tshark: modbus.regval_uint16 = 0, unit 1).
        assertThat(lines[0])
                .isEqualTo(
                        "{\"device\":\"192.168.110.138:502\",\"point\":\"holding/1\",\"value\":0,"
                                + "\"quality\":\"good\",\"ts\":1223541953929,\"frame\":2,"
                                // The driver's key: transaction 209, unit 1, FC3.
                                + "\"key\":"
                                + ((209 << 16) | (1 << 8) | 3)
                                + "}");
        JsonNode summary = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertThat(summary.get("kind").asText()).isEqualTo("summary");
        assertThat(summary.get("pairs").asInt()).isEqualTo(47);
        assertThat(summary.get("unanswered").asInt()).isEqualTo(4);
        assertThat(summary.get("unsolicited").asInt()).isEqualTo(4);
    }

    @Test
    void exceptionsAndRefusedRequestsAreReportedNotDropped() throws Exception {
        String[] lines = replayJson("zeek/modbus-eit.pcap");
        ObjectMapper json = new ObjectMapper();
        JsonNode first = json.readTree(lines[0]);
        assertThat(first.get("kind").asText()).isEqualTo("skipped");
        assertThat(first.get("key").asLong()).isEqualTo(43);
        assertThat(first.get("error").asText())
                .contains("weir_observe -7 E_UNSUPPORTED, request frame 1")
                .contains("function code 43 (encapsulated interface transport) is not a read");
        JsonNode second = json.readTree(lines[1]);
        // Transaction 0 to unit 255: the exception answer (FC 0xAB) has its request's key.
        assertThat(second.get("key").asLong()).isEqualTo(255 << 8 | 43);
        assertThat(second.get("frame").asInt()).isEqualTo(4);
    }

    @Test
    void humanModePrintsATableAndASummary() {
        String[] lines =
                run("replay", "--driver", DRIVER, "--pcap", capture("zeek/modbusSmall.pcap"));
        assertThat(lines[0]).startsWith("  FRAME  TIME (UTC)").contains("POINT").contains("VALUE");
        assertThat(String.join("\n", lines)).contains("coil/0").contains("(skipped)");
        assertThat(lines[lines.length - 1])
                .isEqualTo(
                        "modbusSmall.pcap: 166 frames, 16 request/response pairs, 24 points (0 bad),"
                                + " 8 skipped, 0 unanswered, 0 unsolicited, 0 garbage bytes");
    }
}
