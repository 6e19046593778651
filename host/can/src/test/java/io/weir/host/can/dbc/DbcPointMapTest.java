package io.weir.host.can.dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DbcPointMapTest {

    static Path corpus(String first, String... more) {
        return Path.of(System.getProperty("weir.corpus", "../../../shared/corpus"), "can")
                .resolve(Path.of(first, more));
    }

    static Path vectors(String file) {
        return Path.of(
                System.getProperty("weir.root", "../.."), "drivers", "can-dbc", "vectors", file);
    }

    /**
     * The driver's vectors carry point lines that its tools/gen_vectors.py made from the corpus
     * DBCs with a reader of its own: the converter must write the same lines for the same files.
     */
    @Test
    void writesThePointLinesOfTheDriversVectors() throws Exception {
        Map<String, Path> dbcs =
                Map.of(
                        "socialledge.dbc", corpus("cantools", "socialledge.dbc"),
                        "msxii_system_can.dbc", corpus("cantools", "msxii_system_can.dbc"),
                        "foobar.dbc", corpus("cantools", "foobar.dbc"),
                        "CSS-Electronics-SAE-J1939-DEMO.dbc",
                                corpus(
                                        "j1939",
                                        "css-electronics",
                                        "CSS-Electronics-SAE-J1939-DEMO.dbc"));
        Map<String, String> seen = new HashMap<>();
        ObjectMapper json = new ObjectMapper();
        for (String file : new String[] {"cantools.json", "j1939.json"}) {
            for (JsonNode v : json.readTree(vectors(file).toFile()).get("vectors")) {
                String source = v.get("source").asText();
                for (Map.Entry<String, Path> d : dbcs.entrySet()) {
                    String config = v.get("config").asText().replace(" weir.transport=can", "");
                    if (source.contains(d.getKey()) && !config.contains("source=")) {
                        seen.put(d.getKey(), config);
                    }
                }
            }
        }
        assertThat(seen).hasSize(4);
        for (Map.Entry<String, String> e : seen.entrySet()) {
            assertThat(DbcPointMap.read(dbcs.get(e.getKey())).text())
                    .as(e.getKey())
                    .isEqualTo(e.getValue());
        }
    }

    @Test
    void namesMessagesSignalsAndTheSourceAddressOfJ1939Messages() throws Exception {
        DbcPointMap m =
                DbcPointMap.read(
                        corpus("j1939", "css-electronics", "CSS-Electronics-SAE-J1939-DEMO.dbc"));
        assertThat(m.names())
                .containsExactly(
                        "EEC1.EngineSpeed",
                        "EEC1.source_address",
                        "CCVS1.WheelBasedVehicleSpeed",
                        "CCVS1.source_address");
        assertThat(m.deviceKeys()).containsEntry("j1939", "1");
        assertThat(m.points().get(0))
                .containsEntry("pgn", "61444")
                .containsEntry("factor", "0.125")
                .doesNotContainKey("sa");
        assertThat(m.config(Map.of("address", "249")).device())
                .containsEntry("j1939", "1")
                .containsEntry("address", "249");
    }

    @Test
    void aJ1939IdWithARealSourceAddressMatchesOnlyThatSource() throws Exception {
        DbcPointMap m = DbcPointMap.read(corpus("cantools", "j1939.dbc"));
        // cantools test_database.py: Message1 is frame id 0x15340201, so PGN 0x13400 from SA 1.
        assertThat(m.points().get(0))
                .containsEntry("pgn", Integer.toString(0x13400))
                .containsEntry("sa", "1");
        assertThat(m.names()).doesNotContain("Message1.source_address");
    }

    @Test
    void readsEveryCorpusDbc() throws Exception {
        // vehicle.dbc: cantools test_vehicle asserts 217 messages.
        Dbc vehicle = DbcReader.read(corpus("cantools", "vehicle.dbc"));
        assertThat(vehicle.messages()).hasSize(217);
        assertThat(DbcPointMap.read(corpus("cantools", "motohawk.dbc")).names())
                .contains("ExampleMessage.Temperature");
        assertThat(DbcPointMap.read(corpus("nmea2000-sigrok", "tp_nmea_2.dbc")).points())
                .isNotEmpty();
    }

    @Test
    void escapesLabels() {
        assertThat(DbcPointMap.escape("Not available")).isEqualTo("Not%20available");
        assertThat(DbcPointMap.escape("a=b,c:d")).isEqualTo("a%3Db%2Cc%3Ad");
        assertThat(DbcPointMap.escape("µ")).isEqualTo("%C2%B5");
    }

    @Test
    void errorsNameTheFileAndLine(@TempDir Path dir) throws Exception {
        String head = "VERSION \"\"\n\nBU_: A\n\nBO_ 100 M: 8 A\n";
        assertThat(problem(dir, head + " SG_ S : 0|8@2+ (1,0) [0|0] \"\" A\n"))
                .isEqualTo("bad.dbc:6: SG_ S: byte order '2' is not 0 (Motorola) or 1 (Intel)");
        assertThat(problem(dir, head + " SG_ S m1M : 0|8@1+ (1,0) [0|0] \"\" A\n"))
                .isEqualTo("bad.dbc:6: SG_ S: extended multiplexing (m1M) is not supported");
        assertThat(problem(dir, head + " SG_ S : 0|8@1+ (1;0) [0|0] \"\" A\n"))
                .isEqualTo("bad.dbc:6: SG_ S (between factor and offset): expected ',', found ';'");
        assertThat(problem(dir, head + " SG_ S : 64|8@1+ (1,0) [0|0] \"\" A\n"))
                .isEqualTo("bad.dbc:6: SG_ S: start bit 64 lies outside the 8-byte message M");
        assertThat(problem(dir, head + " SG_ S : 56|16@1+ (1,0) [0|0] \"\" A\n"))
                .isEqualTo(
                        "bad.dbc:6: SG_ S: start bit 56 and length 16 (Intel) run past the 8-byte message M");
        assertThat(problem(dir, head + " SG_ S : 7|16@0+ (1,0) [0|0] \"\" A\n"))
                .isEqualTo("no error");
        assertThat(problem(dir, head + " SG_ S : 56|16@0+ (1,0) [0|0] \"\" A\n"))
                .isEqualTo(
                        "bad.dbc:6: SG_ S: start bit 56 and length 16 (Motorola) run past the 8-byte message M");
        assertThat(problem(dir, head + "\nVAL_ 100 T 1 \"one\" ;\n"))
                .isEqualTo("bad.dbc:7: VAL_ 100 T: message M has no signal T");
        assertThat(problem(dir, head + "\nBOGUS_ 1;\n"))
                .isEqualTo("bad.dbc:7: unknown DBC keyword 'BOGUS_'");
        assertThat(problem(dir, "BO_ 4096 M: 8 A\n"))
                .startsWith("bad.dbc:1: BO_ 4096: an 11-bit identifier is at most 2047");
        assertThat(problem(dir, head + " SG_ S : 0|8@1+ (1,0) [0|0] \"unit\n"))
                .isEqualTo("bad.dbc:6: a string that never ends (no closing '\"')");
        assertThat(problem(dir, head + " SG_ S m1 : 0|8@1+ (1,0) [0|0] \"\" A\n"))
                .isEqualTo(
                        "bad.dbc:6: SG_ S is multiplexed (m1) but BO_ M has no multiplexer (M) signal");
        assertThatThrownBy(() -> DbcPointMap.read(dir.resolve("missing.dbc")))
                .isInstanceOf(DbcException.class)
                .hasMessageContaining("missing.dbc: cannot read the DBC file");
    }

    private static String problem(Path dir, String text) throws Exception {
        Path f = dir.resolve("bad.dbc");
        Files.writeString(f, text);
        try {
            DbcPointMap.read(f);
            return "no error";
        } catch (DbcException e) {
            return e.getMessage().replace(f.toString(), "bad.dbc");
        }
    }
}
