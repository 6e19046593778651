package io.weir.tools.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.tools.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CAN device whose points come from a DBC file ({@code dbc = …}), and {@code weir config dbc}.
 */
class DbcDeviceConfigTest {
    @TempDir Path dir;

    private static final Path CSS =
            Path.of(
                    System.getProperty("weir.corpus", "../../shared/corpus"),
                    "can",
                    "j1939",
                    "css-electronics",
                    "CSS-Electronics-SAE-J1939-DEMO.dbc");

    private static final String CONFIG =
            """
            [gateway]
            name = "truck"
            data_dir = "data"

            [[devices]]
            name = "engine"
            driver = "can-dbc"
            link = "socketcand://127.0.0.1:29536/can0"
            dbc = "%s"
            address = 249
            """;

    private Path config(String dbc) throws Exception {
        return Files.writeString(dir.resolve("gateway.toml"), CONFIG.formatted(dbc));
    }

    @Test
    void theDbcBecomesThePointMap() throws Exception {
        Files.copy(CSS, dir.resolve("css.dbc"));
        DeviceConfigEntry d = GatewayConfig.load(config("css.dbc")).devices().get(0);
        assertThat(d.pointNames())
                .containsExactly(
                        "EEC1.EngineSpeed",
                        "EEC1.source_address",
                        "CCVS1.WheelBasedVehicleSpeed",
                        "CCVS1.source_address");
        assertThat(d.config().device()).containsEntry("j1939", "1").containsEntry("address", "249");
        assertThat(d.config().points().get(0))
                .containsEntry("pgn", "61444")
                .containsEntry("start", "24");
        assertThat(d.points().get(0).line()).isEqualTo(9);
    }

    @Test
    void aBadDbcIsOneProblemAtTheDbcLineNamingTheDbcsOwnLine() throws Exception {
        Files.writeString(
                dir.resolve("bad.dbc"), "BO_ 100 M: 8 A\n SG_ S : 0|8@2+ (1,0) [0|0] \"\" A\n");
        ConfigReader.Result r = ConfigReader.read(config("bad.dbc"));
        assertThat(r.problems()).hasSize(1);
        assertThat(r.problems().get(0).format())
                .isEqualTo(
                        dir.resolve("gateway.toml")
                                + ":9: devices[0].dbc: "
                                + dir.resolve("bad.dbc")
                                + ":2: SG_ S: byte order '2' is not 0 (Motorola) or 1 (Intel)");
        ConfigReader.Result missing = ConfigReader.read(config("none.dbc"));
        assertThat(missing.problems().get(0).format())
                .contains(":9: devices[0].dbc: ")
                .contains("cannot read the DBC file");
    }

    @Test
    void dbcAndPointTablesExcludeEachOther() throws Exception {
        Files.copy(CSS, dir.resolve("css.dbc"));
        Path f = config("css.dbc");
        Files.writeString(
                f, Files.readString(f) + "\n  [[devices.points]]\n  name = \"x\"\n  pgn = 61444\n");
        ConfigReader.Result r = ConfigReader.read(f);
        assertThat(r.problems())
                .extracting(Problem::message)
                .contains(
                        "a device takes its points from dbc or from [[devices.points]], not both");
    }

    @Test
    void weirConfigDbcPrintsThePoints() throws Exception {
        CliRun toml = CliRun.execute("config", "dbc", CSS.toString());
        assertThat(toml.code()).isZero();
        assertThat(toml.out())
                .contains("[[devices.points]]\nname = \"EEC1.EngineSpeed\"\npgn = \"61444\"");
        CliRun text = CliRun.execute("config", "dbc", "--text", CSS.toString());
        assertThat(text.out())
                .startsWith(
                        "device j1939=1\npoint 0 pgn=61444 size=8 start=24 len=16 factor=0.125 min=0 max=8031.875\n");
        Path bad =
                Files.writeString(
                        dir.resolve("bad.dbc"),
                        "BO_ 100 M: 8 A\n SG_ S m1M : 0|8@1+ (1,0) [0|0] \"\" A\n");
        CliRun refused = CliRun.execute("config", "dbc", bad.toString());
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err())
                .isEqualTo(
                        "weir config dbc: "
                                + bad
                                + ":2: SG_ S: extended multiplexing (m1M) is not supported\n");
    }
}
