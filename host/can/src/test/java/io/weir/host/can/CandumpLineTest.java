package io.weir.host.can;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.abi.CanFrame;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class CandumpLineTest {

    static Path corpus(String first, String... more) {
        return Path.of(System.getProperty("weir.corpus", "../../../shared/corpus"), "can")
                .resolve(Path.of(first, more));
    }

    @Test
    void readsEveryCandumpLogLineOfCantoolsLogreaderVectors() throws Exception {
        // cantools' tests/test_logreader.py states what each candump -l line holds.
        ObjectMapper json = new ObjectMapper();
        int checked = 0;
        for (String l :
                Files.readAllLines(corpus("cantools", "cantools_logreader_vectors.truth.jsonl"))) {
            JsonNode v = json.readTree(l);
            if (!v.get("source_test").asText().endsWith("test_candump_log")) {
                continue;
            }
            JsonNode want = v.get("expected");
            CandumpLine.Parsed p = CandumpLine.parse(v.get("line").asText());
            assertThat(p).as(v.get("line").asText()).isInstanceOf(CandumpLine.Frame.class);
            CandumpLine line = ((CandumpLine.Frame) p).line();
            assertThat(line.iface()).isEqualTo(want.get("channel").asText());
            assertThat(line.frame().id()).isEqualTo(want.get("frame_id").asInt());
            if (want.has("is_extended_frame")) {
                assertThat(line.frame().extended())
                        .isEqualTo(want.get("is_extended_frame").asBoolean());
            }
            if (want.has("is_remote_frame")) {
                assertThat(line.frame().remote())
                        .isEqualTo(want.get("is_remote_frame").asBoolean());
            }
            JsonNode data = want.get("data");
            byte[] bytes =
                    data.has("bytes_hex")
                            ? HexFormat.of().parseHex(data.get("bytes_hex").asText())
                            : new byte[] {0, 1, 2, 3, 4, 5, 6, 7}; // "bytes(range(8))"
            assertThat(line.frame().data()).isEqualTo(bytes);
            checked++;
        }
        assertThat(checked).isEqualTo(6);
    }

    @Test
    void readsTimestampsInterfacesFlagsAndDirection() {
        CandumpLine l = frame("(1436509052.249713) can0 123#DEADBEEF");
        assertThat(l.micros()).isEqualTo(1_436_509_052_249_713L);
        assertThat(l.iface()).isEqualTo("can0");
        assertThat(l.frame()).isEqualTo(CanFrame.parseCandump("123#DEADBEEF"));
        assertThat(l.format()).isEqualTo("(1436509052.249713) can0 123#DEADBEEF");
        assertThat(frame("(0.5) can1 123##2AABB").frame().flags())
                .isEqualTo(CanFrame.Flag.FDF.mask() | CanFrame.Flag.ESI.mask());
        assertThat(frame("(0.5) can1 123##2AABB").micros()).isEqualTo(500_000);
        // candump -x adds the direction.
        assertThat(frame("(1594172462.968006) vcan0 0C8#F000000000000000 T").frame())
                .isEqualTo(CanFrame.parseCandump("0C8#F000000000000000"));
    }

    @Test
    void tellsErrorFramesBlankLinesAndMistakes() {
        assertThat(CandumpLine.parse("(1.000000) can0 20000080#0000000000000000"))
                .isEqualTo(
                        new CandumpLine.ErrorFrame(1_000_000, "can0", "20000080#0000000000000000"));
        assertThat(CandumpLine.parse("   ")).isEqualTo(new CandumpLine.Blank());
        assertThat(CandumpLine.parse("# comment")).isEqualTo(new CandumpLine.Blank());
        assertThat(CandumpLine.parse("1 (1612543138.000000) vcan0 0CF00400#0041FF20481400F0"))
                .isEqualTo(
                        new CandumpLine.Malformed(
                                "not \"(seconds.micros) interface ID#DATA\" as candump -l writes"));
        assertThat(CandumpLine.parse("(1594172462.127684) vcan0 ERROR"))
                .isEqualTo(
                        new CandumpLine.Malformed(
                                "CAN frame \"ERROR\" has no '#' (candump notation ID#DATA)"));
        assertThat(CandumpLine.parse("(1594172462.126542) vcan0 064#F001FFFFFFFFFFFFFFFF"))
                .isEqualTo(
                        new CandumpLine.Malformed(
                                "CAN frame \"064#F001FFFFFFFFFFFFFFFF\": a classic frame carries at"
                                        + " most 8 data bytes, not 10"));
    }

    @Test
    void readsTheRealTruckLog() throws Exception {
        List<String> lines =
                Files.readAllLines(corpus("j1939", "nmfta-pretty_j1939", "tests_candump.log"));
        assertThat(lines).hasSize(3);
        // pretty_j1939's README: EEC1 0CF00400#207D87481400F087 -> 649.0 rpm.
        assertThat(frame(lines.get(2)).frame())
                .isEqualTo(
                        new CanFrame(
                                0x0CF00400, 1, 8, HexFormat.of().parseHex("207D87481400F087")));
    }

    private static CandumpLine frame(String text) {
        CandumpLine.Parsed p = CandumpLine.parse(text);
        assertThat(p).as(text).isInstanceOf(CandumpLine.Frame.class);
        return ((CandumpLine.Frame) p).line();
    }
}
