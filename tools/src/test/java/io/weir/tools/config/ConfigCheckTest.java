package io.weir.tools.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.abi.DeviceConfig;
import io.weir.host.lifecycle.DriverPackage;
import io.weir.host.lifecycle.KeyTable;
import io.weir.host.uplink.UplinkPki;
import io.weir.receiver.PkiIssuer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ConfigCheck}: the drivers' own verdicts (the bundled Modbus driver, and a test driver that
 * says terminal escapes, traps or refuses), driver loading, the PKI folder and the data folder.
 */
class ConfigCheckTest {
    static final String CLEAN =
            """
            [gateway]
            name = "line-3"
            data_dir = "data"

            [[devices]]
            name = "boiler"
            driver = "modbus"
            link = "tcp://10.0.0.5:502"
            unit = 1

              [[devices.points]]
              name = "temp"
              area = "holding"
              address = 100
              type = "f32"

              [[devices.points]]
              name = "pump"
              area = "coil"
              address = 5
            """;

    @TempDir Path dir;

    Path write(String text) throws IOException {
        Path f = dir.resolve("gateway.toml");
        Files.writeString(f, text);
        return f;
    }

    static int lineOf(String text, String marker) {
        return GatewayConfigTest.lineOf(text, marker);
    }

    /** The text of the line of {@code marker}. */
    static String lineAt(String text, String marker) {
        return text.split("\n", -1)[lineOf(text, marker) - 1];
    }

    /** The name of the first device of a config text. */
    static String deviceName(String text) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("\\[\\[devices]]\\s*\\nname = \"([^\"]+)\"")
                        .matcher(text);
        assertThat(m.find()).as("a device name").isTrue();
        return m.group(1);
    }

    /** Copies a classpath resource (a driver) into the test folder. */
    Path copy(String resource, String to) throws IOException {
        Path target = dir.resolve(to);
        Files.createDirectories(target.getParent());
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    @Test
    void aCleanConfigPasses() throws Exception {
        ConfigCheck.Report r = ConfigCheck.run(write(CLEAN));
        assertThat(r.problems()).isEmpty();
        assertThat(r.ok()).isTrue();
        assertThat(r.config()).isPresent();
        assertThat(r.summary())
                .isEqualTo("line-3: 1 device, 2 points, no uplink (points kept locally): OK");
    }

    /** The Modbus driver's real verdict, mapped to the line of {@code marker}. */
    record Verdict(String find, String replace, String marker, String key, String message) {
        @Override
        public String toString() {
            return replace.replace("\n", "\\n");
        }
    }

    /** What only the driver knows: the package's key table accepts each of these. */
    static Stream<Verdict> modbusVerdicts() {
        return Stream.of(
                new Verdict(
                        "address = 100",
                        "address = 65535",
                        "type = \"f32\"",
                        "devices[0].points[0]",
                        "driver modbus says: type f32 at address 65535 runs past register 65535"),
                new Verdict(
                        "type = \"f32\"",
                        "type = \"bool\"",
                        "bool",
                        "devices[0].points[0]",
                        "driver modbus says: type bool in area holding needs bit=0..15 (which bit of"
                                + " the register)"),
                new Verdict(
                        "link = \"tcp://10.0.0.5:502\"\nunit = 1",
                        "link = \"rtu+tcp://10.0.0.5:4001\"\nunit = 248",
                        "unit = 248",
                        "devices[0]",
                        "driver modbus says: unit=248 is a reserved address on a serial line (slaves"
                                + " are 1..247, 0 broadcasts writes; Serial Line §2.2)"),
                new Verdict(
                        "link = \"tcp://10.0.0.5:502\"\nunit = 1",
                        "link = \"serial:/dev/ttyUSB0?baud=9600&parity=N\"\nunit = 248",
                        "unit = 248",
                        "devices[0]",
                        "driver modbus says: unit=248 is a reserved address on a serial line (slaves"
                                + " are 1..247, 0 broadcasts writes; Serial Line §2.2)"));
    }

    /**
     * What the bundled Modbus package's key table refuses, each kind of problem on a device line
     * and on a point line, said once in the table's words at the key's line (the driver refuses the
     * same key and is not repeated).
     */
    static Stream<Verdict> modbusTableVerdicts() {
        return Stream.of(
                new Verdict(
                        "type = \"f32\"",
                        "type = \"f33\"",
                        "f33",
                        "devices[0].points[0].type",
                        "device \"boiler\" point 0: type=f33 is not one of bool, u16, i16, u32, i32,"
                                + " f32, u64, i64, f64"),
                new Verdict(
                        "address = 100",
                        "address = 70000",
                        "70000",
                        "devices[0].points[0].address",
                        "device \"boiler\" point 0: address=70000 is out of range 0..65535"),
                new Verdict(
                        "address = 100",
                        "address = \"0x64\"",
                        "0x64",
                        "devices[0].points[0].address",
                        "device \"boiler\" point 0: address=0x64 is not an integer"),
                new Verdict(
                        "type = \"f32\"",
                        "type = \"f32\"\n  scale = \"ten\"",
                        "ten",
                        "devices[0].points[0].scale",
                        "device \"boiler\" point 0: scale=ten is not a number"),
                new Verdict(
                        "area = \"coil\"",
                        "area = \"nope\"",
                        "nope",
                        "devices[0].points[1].area",
                        "device \"boiler\" point 1: area=nope is not one of coil, discrete,"
                                + " holding, input"),
                new Verdict(
                        "  [[devices.points]]\n  name = \"pump\"\n  area = \"coil\"\n  address = 5\n",
                        "  [[devices.points]] # the pump\n  name = \"pump\"\n  area = \"coil\"\n",
                        "# the pump",
                        "devices[0].points[1].address",
                        "device \"boiler\" point 1: missing required key \"address\""),
                new Verdict(
                        "area = \"coil\"\n  address = 5",
                        "area = \"coil\"\n  address = 5\n  adress = 5",
                        "adress",
                        "devices[0].points[1].adress",
                        "device \"boiler\" point 1: unknown key \"adress\" (known keys: area,"
                                + " address, type, order, bit, scale, offset)"),
                new Verdict(
                        "unit = 1",
                        "unit = 300",
                        "unit = 300",
                        "devices[0].unit",
                        "device \"boiler\": unit=300 is out of range 0..255"),
                new Verdict(
                        "unit = 1",
                        "unit = \"one\"",
                        "one",
                        "devices[0].unit",
                        "device \"boiler\": unit=one is not an integer"),
                new Verdict(
                        "unit = 1",
                        "unit = 1\ntimeout = \"2s\"",
                        "timeout",
                        "devices[0].timeout",
                        "device \"boiler\": unknown key \"timeout\" (known keys: unit,"
                                + " max_registers, max_bits, max_gap, timeout_ms)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modbusTableVerdicts")
    void theKeyTableOfTheBundledPackageSpeaksFirstAtTheKeysLine(Verdict v) throws Exception {
        assertThat(CLEAN).contains(v.find());
        String text = CLEAN.replace(v.find(), v.replace());
        Path f = write(text);
        ConfigCheck.Report r = ConfigCheck.run(f);
        assertThat(r.problems())
                .extracting(Problem::format)
                .containsExactly(
                        f + ":" + lineOf(text, v.marker()) + ": " + v.key() + ": " + v.message());
        assertThat(r.problems()).extracting(Problem::key).containsExactly(v.key());
        assertThat(r.ok()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modbusVerdicts")
    void theModbusDriversVerdictIsMappedToItsLine(Verdict v) throws Exception {
        assertThat(CLEAN).contains(v.find());
        String text = CLEAN.replace(v.find(), v.replace());
        Path f = write(text);
        ConfigCheck.Report r = ConfigCheck.run(f);
        assertThat(r.problems())
                .extracting(Problem::format)
                .containsExactly(
                        f + ":" + lineOf(text, v.marker()) + ": " + v.key() + ": " + v.message());
        assertThat(r.ok()).isFalse();
        assertThat(r.config()).isEmpty();
    }

    static final String S7_CLEAN =
            """
            [gateway]
            name = "line-3"
            data_dir = "data"

            [[devices]]
            name = "press"
            driver = "s7"
            link = "tcp://10.0.0.7:102"
            slot = 2
            connection = "op"

              [[devices.points]]
              name = "force"
              address = "DB1.DBD8"
              type = "REAL"
            """;

    static final String INOVANCE_CLEAN =
            """
            [gateway]
            name = "line-3"
            data_dir = "data"

            [[devices]]
            name = "conveyor"
            driver = "inovance"
            link = "tcp://10.0.0.8:502"
            series = "h5u"
            unit = 1

              [[devices.points]]
              name = "speed"
              element = "D200"
              type = "f32"
              order = "CDAB"
            """;

    static final String CAN_DBC_CLEAN =
            """
            [gateway]
            name = "truck"
            data_dir = "data"

            [[devices]]
            name = "engine"
            driver = "can-dbc"
            link = "socketcand://127.0.0.1:29536/can0"
            j1939 = 1
            address = 249

              [[devices.points]]
              name = "speed"
              pgn = 61444
              size = 8
              start = 24
              len = 16
              factor = 0.125
            """;

    /**
     * A key that a bundled driver's package table refuses, in a config for that driver: the
     * driver's verdict at the key's line, and the table's ({@code tableMessage}, or {@code null}
     * where it is the driver's own words).
     */
    record KeyCase(
            String pkg,
            String clean,
            String find,
            String replace,
            String marker,
            String key,
            String message,
            String tableMessage) {
        @Override
        public String toString() {
            return pkg + ": " + replace.replace("\n", "\\n");
        }
    }

    static Stream<KeyCase> bundledKeyCases() {
        return Stream.of(
                new KeyCase(
                        "s7-0.1.0",
                        S7_CLEAN,
                        "slot = 2",
                        "slot = 2\nrak = 0",
                        "rak",
                        "devices[0]",
                        "unknown key \"rak\" (known keys: rack, slot, connection, local_tsap,"
                                + " remote_tsap, pdu, max_items, timeout_ms, setup_timeout_ms)",
                        null),
                new KeyCase(
                        "s7-0.1.0",
                        S7_CLEAN,
                        "slot = 2",
                        "slot = 40",
                        "slot = 40",
                        "devices[0]",
                        "slot=40 is out of range 0..31",
                        null),
                new KeyCase(
                        "s7-0.1.0",
                        S7_CLEAN,
                        "connection = \"op\"",
                        "connection = \"hmi\"",
                        "hmi",
                        "devices[0]",
                        "connection=hmi is not pg, op or basic (the TSAP's first byte 1, 2, 3)",
                        "connection=hmi is not one of pg, op, basic"),
                new KeyCase(
                        "s7-0.1.0",
                        S7_CLEAN,
                        "type = \"REAL\"",
                        "typ = \"REAL\"",
                        "typ",
                        "devices[0].points[0]",
                        "unknown key \"typ\" (known keys: address, type)",
                        null),
                new KeyCase(
                        "inovance-0.1.0",
                        INOVANCE_CLEAN,
                        "unit = 1",
                        "units = 1",
                        "units",
                        "devices[0]",
                        "unknown key \"units\" (known keys: series, unit, max_registers, max_bits,"
                                + " max_gap, timeout_ms, writes)",
                        null),
                new KeyCase(
                        "inovance-0.1.0",
                        INOVANCE_CLEAN,
                        "unit = 1",
                        "unit = 300",
                        "unit = 300",
                        "devices[0]",
                        "unit 300 is out of range 0..255",
                        "unit=300 is out of range 0..255"),
                new KeyCase(
                        "inovance-0.1.0",
                        INOVANCE_CLEAN,
                        "order = \"CDAB\"",
                        "ordr = \"CDAB\"",
                        "ordr",
                        "devices[0].points[0]",
                        "unknown key \"ordr\" (known keys: element, type, order, scale, offset)",
                        null),
                new KeyCase(
                        "can-dbc-0.1.0",
                        CAN_DBC_CLEAN,
                        "address = 249",
                        "adress = 249",
                        "adress",
                        "devices[0]",
                        "unknown key \"adress\" (known keys: j1939, address, source, cts_packets)",
                        null),
                new KeyCase(
                        "can-dbc-0.1.0",
                        CAN_DBC_CLEAN,
                        "address = 249",
                        "address = 254",
                        "address = 254",
                        "devices[0]",
                        "address=254 is out of range 0..253",
                        null),
                new KeyCase(
                        "can-dbc-0.1.0",
                        CAN_DBC_CLEAN,
                        "factor = 0.125",
                        "factr = 0.125",
                        "factr",
                        "devices[0].points[0]",
                        "unknown key \"factr\" (known keys: id, ext, fd, pgn, sa, size, field,"
                                + " start, len, order, signed, float, factor, offset, min, max,"
                                + " choices, switch, mux)",
                        null));
    }

    /** The key table of a package the drivers build bundles (drivers/packages/ in its jar). */
    KeyTable bundledTable(String pkg) throws Exception {
        Path file = copy("drivers/packages/" + pkg + ".wdrv", pkg + ".wdrv");
        return DriverPackage.read(file).manifest().keys();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bundledKeyCases")
    void aKeyTheBundledPackageRefusesIsReportedAtItsLine(KeyCase c) throws Exception {
        assertThat(c.clean()).contains(c.find());
        KeyTable table = bundledTable(c.pkg());
        DeviceConfig clean = ConfigReader.read(write(c.clean())).checkable().get(0).config();
        assertThat(table.problems(clean.device(), clean.points())).isEmpty();
        assertThat(ConfigCheck.run(write(c.clean())).problems()).isEmpty();

        String text = c.clean().replace(c.find(), c.replace());
        Path f = write(text);
        String driver = c.pkg().substring(0, c.pkg().lastIndexOf('-'));
        ConfigCheck.Report r = ConfigCheck.run(f);
        String key = lineAt(text, c.marker()).split("=")[0].strip();
        String device = deviceName(text);
        assertThat(r.problems())
                .extracting(Problem::format)
                .as("the table's words, once; driver %s is not repeated", driver)
                .containsExactly(
                        f
                                + ":"
                                + lineOf(text, c.marker())
                                + ": "
                                + c.key()
                                + "."
                                + key
                                + ": device \""
                                + device
                                + "\""
                                + (c.key().endsWith("points[0]") ? " point 0: " : ": ")
                                + (c.tableMessage() == null ? c.message() : c.tableMessage()));
        // The package's table refuses the same key in the driver's words, so that the table the
        // docs and `weir driver inspect` show is the one the driver applies.
        DeviceConfig bad = ConfigReader.read(f).checkable().get(0).config();
        assertThat(table.problems(bad.device(), bad.points()))
                .extracting(KeyTable.Problem::message)
                .containsExactly(
                        (c.key().endsWith("points[0]") ? "point 0: " : "device: ")
                                + (c.tableMessage() == null ? c.message() : c.tableMessage()));
    }

    @Test
    void modbusOverSerialLinesAndRtuOverTcpIsClean() throws Exception {
        // The driver lists tcp and serial; both serial links give weir.transport=serial.
        for (String link :
                new String[] {
                    "rtu+tcp://10.0.0.5:4001", "serial:/dev/ttyUSB0?baud=9600&parity=N"
                }) {
            Path f =
                    write(
                            CLEAN.replace("tcp://10.0.0.5:502", link)
                                    .replace("unit = 1", "unit = 247"));
            assertThat(ConfigCheck.run(f).problems()).as(link).isEmpty();
        }
    }

    @Test
    void everyPointTheDriverRefusesIsReportedInOneRun() throws Exception {
        // The driver stops at its first complaint; the check leaves that point out and asks
        // again, so that all three show at once and the good point raises nothing. The table
        // says two of them first; the driver alone knows the third.
        String text =
                CLEAN.replace("type = \"f32\"", "type = \"f33\"")
                                .replace("address = 5", "address = 5\n  bit = 3")
                        + """

                          [[devices.points]]
                          name = "level"
                          area = "input"
                          address = 70000

                          [[devices.points]]
                          name = "ok"
                          area = "input"
                          address = 1
                        """;
        Path f = write(text);
        assertThat(ConfigCheck.run(f).problems())
                .extracting(Problem::format)
                .containsExactly(
                        f
                                + ":"
                                + lineOf(text, "f33")
                                + ": devices[0].points[0].type: device \"boiler\" point 0:"
                                + " type=f33 is not one of bool, u16, i16, u32, i32, f32, u64, i64,"
                                + " f64",
                        f
                                + ":"
                                + lineOf(text, "bit = 3")
                                + ": devices[0].points[1]: driver modbus"
                                + " says: key \"bit\" does not apply to a bit in area coil",
                        f
                                + ":"
                                + lineOf(text, "70000")
                                + ": devices[0].points[2].address: device \"boiler\" point 2:"
                                + " address=70000 is out of range 0..65535");
    }

    @Test
    void aDeviceWithInvalidHostKeysIsNotShownToItsDriver() throws Exception {
        String text = CLEAN.replace("unit = 1", "unit = 300\ninterval = \"soon\"");
        Path f = write(text);
        assertThat(ConfigCheck.run(f).problems())
                .extracting(Problem::key)
                .containsExactly("devices[0].interval");
    }

    @Test
    void aDriverFileIsRelativeToTheConfigFile() throws Exception {
        copy("drivers/modbus.wasm", "drivers/modbus.wasm");
        String text = CLEAN.replace("driver = \"modbus\"", "driver = \"drivers/modbus.wasm\"");
        ConfigCheck.Report r = ConfigCheck.run(write(text));
        assertThat(r.problems()).isEmpty();
        assertThat(r.config().get().devices().get(0).driver())
                .isEqualTo(
                        new DriverRef.WasmFile(
                                dir.resolve("drivers/modbus.wasm"), "drivers/modbus.wasm"));

        Path f = write(CLEAN.replace("driver = \"modbus\"", "driver = \"drivers/nothere.wasm\""));
        assertThat(ConfigCheck.run(f).problems())
                .extracting(Problem::format)
                .containsExactly(
                        f
                                + ":"
                                + lineOf(CLEAN, "driver =")
                                + ": devices[0].driver: driver file "
                                + dir.resolve("drivers/nothere.wasm")
                                + " does not exist");
    }

    @Test
    void aDriverThatCannotBeLoadedIsOneProblemHoweverManyDevicesNameIt() throws Exception {
        String second =
                "\n[[devices]]\nname = \"pump\"\ndriver = \"nobody\"\nlink = \"10.0.0.6:502\"\n";
        String text =
                CLEAN.replace("driver = \"modbus\"", "driver = \"nobody\"")
                        + second
                        + second.replace("pump", "fan");
        Path f = write(text);
        assertThat(ConfigCheck.run(f).problems())
                .extracting(Problem::format)
                .containsExactly(
                        f
                                + ":"
                                + lineOf(text, "nobody")
                                + ": devices[0].driver: no bundled driver"
                                + " \"nobody\" (classpath resource drivers/nobody.wasm not found;"
                                + " is the weir-drivers jar on the classpath?); give the path of a"
                                + " .wasm file instead (also named by devices[1], devices[2])");

        Files.write(dir.resolve("junk.wasm"), new byte[] {0, 'a', 's', 'm', 9, 9, 9, 9});
        Path g = write(CLEAN.replace("driver = \"modbus\"", "driver = \"junk.wasm\""));
        List<Problem> problems = ConfigCheck.run(g).problems();
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).format())
                .startsWith(
                        g
                                + ":"
                                + lineOf(CLEAN, "driver =")
                                + ": devices[0].driver: driver file "
                                + dir.resolve("junk.wasm")
                                + " cannot be loaded: ");
    }

    @Test
    void aPinnedVersionMustBeTheBundledOne() throws Exception {
        assertThat(
                        ConfigCheck.run(write(CLEAN.replace("\"modbus\"", "\"modbus@0.2.0\"")))
                                .problems())
                .isEmpty();
        Path f = write(CLEAN.replace("\"modbus\"", "\"modbus@0.3.0\""));
        assertThat(ConfigCheck.run(f).problems())
                .extracting(Problem::format)
                .containsExactly(
                        f
                                + ":"
                                + lineOf(CLEAN, "driver =")
                                + ": devices[0].driver: driver \"modbus@0.3.0\": version 0.3.0 is"
                                + " not installed (no driver is installed in the data folder) and"
                                + " the bundled driver is modbus 0.2.0; install it (`weir driver"
                                + " install`), or write driver = \"modbus\" or the path of a .wasm"
                                + " file");
    }

    @Test
    void whatADriverSaysIsEscapedAndItsTrapsAndRefusalsAreProblemsToo() throws Exception {
        copy("io/weir/tools/config/critic.wasm", "critic.wasm");
        String text =
                """
                [gateway]
                name = "gw"
                data_dir = "data"

                [[devices]]
                name = "evil"
                driver = "critic.wasm"
                link = "10.0.0.5:502"
                mode = "evil"
                  [[devices.points]]
                  name = "a"
                  reg = 1
                  [[devices.points]]
                  name = "b"
                  reg = 2

                [[devices]]
                name = "trap"
                driver = "critic.wasm"
                link = "10.0.0.5:502"
                mode = "trap"

                [[devices]]
                name = "evil-again"
                driver = "critic.wasm"
                link = "10.0.0.5:502"
                mode = "evil"

                [[devices]]
                name = "refuses"
                driver = "critic.wasm"
                link = "10.0.0.5:502"
                mode = "unsupported"

                [[devices]]
                name = "fine"
                driver = "critic.wasm"
                link = "10.0.0.5:502"
                mode = "fine"
                """;
        Path f = write(text);
        List<String> lines = ConfigCheck.run(f).problems().stream().map(Problem::format).toList();
        String says = "bad \\u001b[2J\\u000dvalue \\u202e";
        int evil = lineOf(text, "name = \"evil\"") - 1;
        int trap = lineOf(text, "name = \"trap\"") - 1;
        int again = lineOf(text, "name = \"evil-again\"") - 1;
        int refuses = lineOf(text, "name = \"refuses\"") - 1;
        assertThat(lines).hasSize(5);
        // Point 1 (b) is refused; asked again without it, the driver still names point 1: that
        // is said as it is, and the check moves on.
        assertThat(lines.get(0))
                .isEqualTo(
                        f
                                + ":"
                                + evil
                                + ": devices[0]: driver critic names point 1, which its"
                                + " config text does not have: point 1: "
                                + says);
        assertThat(lines.get(1))
                .isEqualTo(
                        f
                                + ":"
                                + (lineOf(text, "name = \"b\"") - 1)
                                + ": devices[0].points[1]: driver critic says: "
                                + says);
        // A trap costs the probe instance; the next device gets a fresh one.
        assertThat(lines.get(2))
                .startsWith(
                        f
                                + ":"
                                + trap
                                + ": devices[1]: driver critic failed while opening the device: ")
                .contains("weir_open trapped");
        assertThat(lines.get(3))
                .isEqualTo(
                        f
                                + ":"
                                + again
                                + ": devices[2]: driver critic names point 1, which its"
                                + " config text does not have: point 1: "
                                + says);
        assertThat(lines.get(4))
                .isEqualTo(
                        f
                                + ":"
                                + refuses
                                + ": devices[3]: driver critic refused the device:"
                                + " weir_open returned E_UNSUPPORTED: point 1: "
                                + says);
        for (String l : lines) {
            assertThat(l).doesNotContain("\u001b").doesNotContain("\r").doesNotContain("\u202e");
        }
    }

    // ---- the PKI folder and the data folder ----------------------------------------------------

    String withUplink(String pki) {
        return CLEAN.replace(
                "[[devices]]",
                "[uplink]\nreceiver = \"127.0.0.1:7443\"\npki = \"" + pki + "\"\n\n[[devices]]");
    }

    @Test
    void aPkiFolderMadeForThisGatewayPasses() throws Exception {
        PkiIssuer.init(dir.resolve("pki"), UplinkPki.Algorithm.ECDSA, "line-3");
        ConfigCheck.Report r = ConfigCheck.run(write(withUplink("pki")));
        assertThat(r.problems()).isEmpty();
        assertThat(r.summary())
                .isEqualTo("line-3: 1 device, 2 points, uplink to 127.0.0.1:7443: OK");
    }

    @Test
    void aMissingPkiFolderSaysHowToMakeIt() throws Exception {
        String text = withUplink("pki");
        Path f = write(text);
        assertThat(ConfigCheck.run(f).problems())
                .extracting(Problem::format)
                .containsExactly(
                        f
                                + ":"
                                + lineOf(text, "pki =")
                                + ": uplink.pki: folder "
                                + dir.resolve("pki")
                                + " does not exist; make it with `weir pki init --dir "
                                + dir.resolve("pki")
                                + " --gateway line-3`");
    }

    @Test
    void theGatewayNeedsItsOwnCertificateFromTheFoldersCa() throws Exception {
        Path pki = dir.resolve("pki");
        PkiIssuer.init(pki, UplinkPki.Algorithm.ECDSA, "other");
        String text = withUplink("pki");
        Path f = write(text);
        String at = f + ":" + lineOf(text, "pki =") + ": uplink.pki: ";
        assertThat(ConfigCheck.run(f).problems())
                .extracting(Problem::format)
                .containsExactly(
                        at
                                + "no certificate for gateway line-3 ("
                                + pki.resolve("gateways/line-3.crt")
                                + "); issue one with `weir pki issue --dir "
                                + pki
                                + " --name line-3`");

        // Another gateway's certificate under this name.
        Files.copy(pki.resolve("gateways/other.crt"), pki.resolve("gateways/line-3.crt"));
        Files.copy(pki.resolve("gateways/other.key"), pki.resolve("gateways/line-3.key"));
        assertThat(ConfigCheck.run(f).problems())
                .extracting(Problem::format)
                .containsExactly(
                        at
                                + pki.resolve("gateways/line-3.crt")
                                + " names CN=other, not the gateway name line-3");

        // A certificate of this name from another PKI folder.
        Path elsewhere = dir.resolve("elsewhere");
        PkiIssuer.init(elsewhere, UplinkPki.Algorithm.ECDSA, "line-3");
        Files.copy(
                elsewhere.resolve("gateways/line-3.crt"),
                pki.resolve("gateways/line-3.crt"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.copy(
                elsewhere.resolve("gateways/line-3.key"),
                pki.resolve("gateways/line-3.key"),
                StandardCopyOption.REPLACE_EXISTING);
        assertThat(ConfigCheck.run(f).problems())
                .extracting(Problem::format)
                .containsExactly(
                        at
                                + pki.resolve("gateways/line-3.crt")
                                + " is not signed by the CA in "
                                + pki.resolve("ca.crt")
                                + " (a certificate from another PKI folder?)");

        // An expired one.
        Instant now = Instant.now();
        Files.delete(pki.resolve("gateways/line-3.crt"));
        Files.delete(pki.resolve("gateways/line-3.key"));
        PkiIssuer.issue(
                new UplinkPki(pki),
                "line-3",
                now.minus(Duration.ofDays(30)),
                now.minus(Duration.ofDays(1)));
        List<Problem> expired = ConfigCheck.run(f).problems();
        assertThat(expired).hasSize(1);
        assertThat(expired.get(0).format())
                .startsWith(at + pki.resolve("gateways/line-3.crt") + " expired on ")
                .endsWith(
                        "; issue a new one with `weir pki issue --dir " + pki + " --name line-3`");

        // No key beside the certificate.
        Files.delete(pki.resolve("gateways/line-3.crt"));
        Files.delete(pki.resolve("gateways/line-3.key"));
        PkiIssuer.issue(
                new UplinkPki(pki),
                "line-3",
                now.minus(Duration.ofHours(1)),
                now.plus(Duration.ofDays(1)));
        Files.delete(pki.resolve("gateways/line-3.key"));
        assertThat(ConfigCheck.run(f).problems())
                .extracting(Problem::format)
                .containsExactly(
                        at + "gateway key: " + pki.resolve("gateways/line-3.key") + ": missing");
    }

    @Test
    void theDataFolderMustBeAFolderWeCanWrite() throws Exception {
        Path f = write(CLEAN);
        Files.writeString(dir.resolve("data"), "a file");
        assertThat(ConfigCheck.run(f).problems())
                .extracting(Problem::format)
                .containsExactly(
                        f + ":3: gateway.data_dir: " + dir.resolve("data") + " is not a folder");

        Path g = write(CLEAN.replace("data_dir = \"data\"", "data_dir = \"data/sub\""));
        assertThat(ConfigCheck.run(g).problems())
                .extracting(Problem::format)
                .containsExactly(
                        g
                                + ":3: gateway.data_dir: "
                                + dir.resolve("data/sub")
                                + " cannot be created: "
                                + dir.resolve("data")
                                + " is not a folder");
    }
}
