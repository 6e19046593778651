package io.weir.tools.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.host.io.LinkAddress;
import io.weir.host.poll.DeviceSpec;
import io.weir.tools.cli.HostPort;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Reading and validating the config file: everything that needs no driver and no PKI folder. */
class GatewayConfigTest {
    /** A clean config; the mistake cases below each change one thing in it. */
    static final String CLEAN =
            """
            [gateway]
            name = "line-3"
            data_dir = "data"

            [uplink]
            receiver = "ingest.plant:7443"
            pki = "pki"

            [admin]
            listen = "127.0.0.1:9780"

            [[devices]]
            name = "boiler"
            driver = "modbus"
            link = "tcp://10.0.0.5:502"
            interval = "1s"
            unit = 1

              [[devices.points]]
              name = "boiler_temp_c"
              area = "holding"
              address = 100
              type = "f32"
              order = "CDAB"

              [[devices.points]]
              name = "pump_on"
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
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(marker)) {
                return i + 1;
            }
        }
        throw new AssertionError("no line holds " + marker);
    }

    @Test
    void aCleanConfigLoads() throws Exception {
        GatewayConfig c = GatewayConfig.load(write(CLEAN));
        assertThat(c.gateway().name()).isEqualTo("line-3");
        assertThat(c.gateway().dataDir()).isEqualTo(dir.resolve("data"));
        assertThat(c.uplink()).isPresent();
        assertThat(c.uplink().get().receiver()).isEqualTo(new HostPort("ingest.plant", 7443));
        assertThat(c.uplink().get().pki()).isEqualTo(dir.resolve("pki"));
        assertThat(c.admin().listen()).isEqualTo(new HostPort("127.0.0.1", 9780));
        assertThat(c.devices()).hasSize(1);
        assertThat(c.pointCount()).isEqualTo(2);
        assertThat(c.summary())
                .isEqualTo("line-3: 1 device, 2 points, uplink to ingest.plant:7443");

        DeviceConfigEntry d = c.devices().get(0);
        assertThat(d.key()).isEqualTo("devices[0]");
        assertThat(d.line()).isEqualTo(lineOf(CLEAN, "[[devices]]"));
        assertThat(d.lines().of("unit")).isEqualTo(lineOf(CLEAN, "unit = 1"));
        assertThat(d.points().get(1).line()).isEqualTo(lineOf(CLEAN, "name = \"pump_on\"") - 1);
        assertThat(d.points().get(0).lines().of("type")).isEqualTo(lineOf(CLEAN, "type = \"f32\""));
    }

    @Test
    void defaultsFillWhatTheFileLeavesOut() throws Exception {
        String text =
                """
                [gateway]
                name = "gw"
                data_dir = "/var/lib/weir"

                [[devices]]
                name = "d"
                driver = "modbus"
                link = "10.0.0.5:502"
                """;
        GatewayConfig c = GatewayConfig.load(write(text));
        assertThat(c.admin().listen()).isEqualTo(new HostPort("127.0.0.1", 9780));
        assertThat(c.admin().lines()).isEqualTo(SourceLines.NONE);
        assertThat(c.uplink()).isEmpty();
        assertThat(c.gateway().dataDir()).isEqualTo(Path.of("/var/lib/weir"));
        assertThat(c.gateway().busyPoll()).as("the gateway's default").isNull();
        assertThat(io.weir.tools.run.RunCommand.settings(c).busyPoll()).isNull();
        DeviceConfigEntry d = c.devices().get(0);
        assertThat(d.interval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(d.link()).isEqualTo(LinkAddress.parse("tcp://10.0.0.5:502"));
        // No points: discovery mode (ABI §5).
        assertThat(d.config().text()).isEqualTo("device\n");
        assertThat(c.summary())
                .isEqualTo("gw: 1 device, 0 points, no uplink (points kept locally)");
    }

    @Test
    void busyPollIsWholeMicrosecondsFromZeroToAThousand() throws Exception {
        for (long us : new long[] {0, 50, 1000}) {
            GatewayConfig c =
                    GatewayConfig.load(
                            write(
                                    CLEAN.replace(
                                            "data_dir = \"data\"\n",
                                            "data_dir = \"data\"\nbusy_poll_us = " + us + "\n")));
            assertThat(c.gateway().busyPoll()).isEqualTo(Duration.ofNanos(us * 1000));
            assertThat(io.weir.tools.run.RunCommand.settings(c).busyPoll())
                    .isEqualTo(Duration.ofNanos(us * 1000));
        }
        assertThatThrownBy(
                        () -> new Gateway("gw", Path.of("/x"), Duration.ofNanos(1_000_001), null))
                .hasMessageContaining("busy_poll_us must be 0 to 1000 µs");
        assertThatThrownBy(() -> new Gateway("gw", Path.of("/x"), Duration.ofNanos(-1), null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anIntervalOfZeroScansContinuously() throws Exception {
        for (String zero : List.of("0s", "0ms")) {
            DeviceSpec spec =
                    GatewayConfig.load(
                                    write(
                                            CLEAN.replace(
                                                    "interval = \"1s\"",
                                                    "interval = \"" + zero + "\"")))
                            .devices()
                            .get(0)
                            .toSpec();
            assertThat(spec.interval()).as(zero).isEqualTo(Duration.ZERO);
            assertThat(spec.continuous()).isTrue();
        }
    }

    @Test
    void toSpecCarriesTheDriverConfigInFileOrder() throws Exception {
        DeviceSpec spec = GatewayConfig.load(write(CLEAN)).devices().get(0).toSpec();
        assertThat(spec.name()).isEqualTo("boiler");
        assertThat(spec.driver()).isEqualTo("modbus");
        assertThat(spec.link()).isEqualTo(LinkAddress.parse("tcp://10.0.0.5:502"));
        assertThat(spec.interval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(spec.pointNames()).containsExactly("boiler_temp_c", "pump_on");
        assertThat(spec.config().text())
                .isEqualTo(
                        "device unit=1\n"
                                + "point 0 area=holding address=100 type=f32 order=CDAB\n"
                                + "point 1 area=coil address=5\n");
    }

    @Test
    void driverValuesAreWrittenAsTheDriverReadsThem() throws Exception {
        String text =
                CLEAN.replace(
                        "unit = 1",
                        "unit = 1\n"
                                + "zeta = 2\n"
                                + "scale = 0.1\n"
                                + "tiny = 1e-7\n"
                                + "big = 1e20\n"
                                + "whole = 100.0\n"
                                + "neg = -3\n"
                                + "flag = true\n"
                                + "since = 2024-05-01\n"
                                + "alpha = \"x\"");
        DeviceConfigEntry d = GatewayConfig.load(write(text)).devices().get(0);
        // File order, not alphabetical; floats stay floats and never use an exponent.
        assertThat(d.deviceKeys())
                .containsExactly(
                        Map.entry("unit", "1"),
                        Map.entry("zeta", "2"),
                        Map.entry("scale", "0.1"),
                        Map.entry("tiny", "0.0000001"),
                        Map.entry("big", "100000000000000000000.0"),
                        Map.entry("whole", "100.0"),
                        Map.entry("neg", "-3"),
                        Map.entry("flag", "true"),
                        Map.entry("since", "2024-05-01"),
                        Map.entry("alpha", "x"));
    }

    @Test
    void relativePathsAreRelativeToTheConfigFileNotTheWorkingDirectory() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("etc/weir"));
        Path f = sub.resolve("gw.toml");
        Files.writeString(
                f,
                CLEAN.replace("data_dir = \"data\"", "data_dir = \"../../var/lib\"")
                        .replace("driver = \"modbus\"", "driver = \"drivers/mine.wasm\""));
        GatewayConfig c = GatewayConfig.load(f);
        assertThat(c.gateway().dataDir()).isEqualTo(dir.resolve("var/lib"));
        assertThat(c.uplink().get().pki()).isEqualTo(sub.resolve("pki"));
        DeviceConfigEntry d = c.devices().get(0);
        assertThat(d.driver())
                .isEqualTo(
                        new DriverRef.WasmFile(
                                sub.resolve("drivers/mine.wasm"), "drivers/mine.wasm"));
        assertThat(d.toSpec().driver()).isEqualTo("mine");
        assertThat(d.toSpec("modbus").driver()).isEqualTo("modbus");

        // A relative name of the file itself: paths still resolve against its folder.
        Path cwd = Path.of("").toAbsolutePath();
        Path relative = cwd.relativize(f);
        assertThat(GatewayConfig.load(relative).gateway().dataDir())
                .isEqualTo(dir.resolve("var/lib"));
    }

    @Test
    void driverNamesVersionsAndFiles() {
        Path base = Path.of("/etc/weir");
        assertThat(DriverRef.parse("modbus", base))
                .isEqualTo(new DriverRef.Bundled("modbus", java.util.Optional.empty(), "modbus"));
        assertThat(DriverRef.parse("modbus@0.1.0", base))
                .isEqualTo(
                        new DriverRef.Bundled(
                                "modbus", java.util.Optional.of("0.1.0"), "modbus@0.1.0"));
        assertThat(DriverRef.parse("x.wasm", base))
                .isEqualTo(new DriverRef.WasmFile(Path.of("/etc/weir/x.wasm"), "x.wasm"));
        assertThat(DriverRef.parse("/opt/d/s7", base))
                .isEqualTo(new DriverRef.WasmFile(Path.of("/opt/d/s7"), "/opt/d/s7"));
    }

    /**
     * One mistake of each kind, each on its own in an otherwise clean file: exactly one problem, at
     * the line of {@code marker} (0: no line), with this key, saying this.
     */
    record Case(String find, String replace, String marker, String key, String says) {
        @Override
        public String toString() {
            return (find + " -> " + replace).replace("\n", "\\n");
        }
    }

    static Stream<Case> mistakes() {
        return Stream.of(
                // TOML syntax, with a hint for the commonest one.
                new Case(
                        "type = \"f32\"",
                        "type = f32",
                        "type = f32",
                        "",
                        "TOML: unexpected 'f', expected ', \", ''', \"\"\", a number, a boolean, a"
                                + " date/time, an array, or a table (column 10); a string needs"
                                + " quotes: type = \"f32\""),
                new Case(
                        "unit = 1",
                        "unit = 1\nunit = 2",
                        "unit = 2",
                        "",
                        "TOML: unit previously defined"),
                new Case(
                        "[admin]",
                        "[admin",
                        "[admin",
                        "",
                        "TOML: unexpected end of line, expected ]"),
                // Unknown keys in the host's tables.
                new Case(
                        "name = \"line-3\"",
                        "name = \"line-3\"\ncolour = \"blue\"",
                        "colour",
                        "gateway.colour",
                        "unknown key (expected name, data_dir, busy_poll_us)"),
                new Case(
                        "pki = \"pki\"",
                        "pki = \"pki\"\ntls = true",
                        "tls",
                        "uplink.tls",
                        "unknown key (expected receiver, pki)"),
                new Case(
                        "listen = \"127.0.0.1:9780\"",
                        "listen = \"127.0.0.1:9780\"\ntoken = \"x\"",
                        "token",
                        "admin.token",
                        "unknown key (expected listen)"),
                new Case(
                        "[admin]",
                        "[metrics]\nport = 1\n\n[admin]",
                        "[metrics]",
                        "metrics",
                        "unknown table or key (expected gateway, uplink, admin, devices)"),
                // A misspelt key is one mistake: named once, not also as a missing key.
                new Case("[gateway]", "[gatway]", "[gatway]", "gatway", "did you mean gateway?"),
                new Case(
                        "data_dir = \"data\"\n",
                        "data_dir = \"data\"\nbusy_poll_us = 1001\n",
                        "busy_poll_us",
                        "gateway.busy_poll_us",
                        "must be an integer of microseconds, 0 (sleep at once) to 1000, not 1001"),
                new Case(
                        "data_dir = \"data\"\n",
                        "data_dir = \"data\"\nbusy_poll_us = -1\n",
                        "busy_poll_us",
                        "gateway.busy_poll_us",
                        "to 1000, not -1"),
                new Case(
                        "data_dir = \"data\"\n",
                        "data_dir = \"data\"\nbusy_poll_us = \"50us\"\n",
                        "busy_poll_us",
                        "gateway.busy_poll_us",
                        "to 1000, not a string"),
                new Case(
                        "pki = \"pki\"",
                        "pki_dir = \"pki\"",
                        "pki_dir",
                        "uplink.pki_dir",
                        "did you mean pki?"),
                new Case(
                        "data_dir =",
                        "datadir =",
                        "datadir",
                        "gateway.datadir",
                        "did you mean data_dir?"),
                new Case(
                        "name = \"boiler\"",
                        "nmae = \"boiler\"",
                        "[[devices]]",
                        "devices[0].name",
                        "missing; write name = \"…\" in the device's [[devices]] table (is \"nmae\""
                                + " meant to be name?)"),
                // Missing keys and tables.
                new Case(
                        "name = \"line-3\"\n",
                        "",
                        "[gateway]",
                        "gateway.name",
                        "missing; write name = \"…\" in [gateway]"),
                new Case("data_dir = \"data\"\n", "", "[gateway]", "gateway.data_dir", "missing"),
                new Case(
                        "[gateway]\nname = \"line-3\"\ndata_dir = \"data\"\n",
                        "",
                        null,
                        "gateway",
                        "missing: the file needs [gateway] with name and data_dir"),
                new Case(
                        "receiver = \"ingest.plant:7443\"\n",
                        "",
                        "[uplink]",
                        "uplink.receiver",
                        "missing"),
                new Case("pki = \"pki\"\n", "", "[uplink]", "uplink.pki", "missing"),
                new Case(
                        "driver = \"modbus\"\n", "", "[[devices]]", "devices[0].driver", "missing"),
                new Case(
                        "link = \"tcp://10.0.0.5:502\"\n",
                        "",
                        "[[devices]]",
                        "devices[0].link",
                        "missing"),
                new Case(
                        "  [[devices.points]]\n  name = \"pump_on\"\n",
                        "  [[devices.points]] # the pump\n",
                        "# the pump",
                        "devices[0].points[1].name",
                        "missing; write name = \"…\" in the point's [[devices.points]] table"),
                new Case(
                        CLEAN.substring(CLEAN.indexOf("[[devices]]")),
                        "",
                        null,
                        "devices",
                        "no [[devices]] table: a gateway needs at least one device to poll"),
                // Wrong types.
                new Case(
                        "name = \"line-3\"",
                        "name = 3",
                        "name = 3",
                        "gateway.name",
                        "must be a string, not an integer (write name = \"…\")"),
                new Case(
                        "data_dir = \"data\"",
                        "data_dir = true",
                        "data_dir",
                        "gateway.data_dir",
                        "must be a string, not a boolean"),
                new Case(
                        "receiver = \"ingest.plant:7443\"",
                        "receiver = 7443",
                        "receiver",
                        "uplink.receiver",
                        "must be a string, not an integer"),
                new Case(
                        "listen = \"127.0.0.1:9780\"",
                        "listen = 9780",
                        "listen",
                        "admin.listen",
                        "must be a string, not an integer"),
                new Case(
                        "driver = \"modbus\"",
                        "driver = 42",
                        "driver = 42",
                        "devices[0].driver",
                        "must be a string, not an integer"),
                new Case(
                        "link = \"tcp://10.0.0.5:502\"",
                        "link = [\"a\"]",
                        "link =",
                        "devices[0].link",
                        "must be a string, not an array"),
                new Case(
                        "  name = \"pump_on\"",
                        "  name = 1.5",
                        "name = 1.5",
                        "devices[0].points[1].name",
                        "must be a string, not a float"),
                new Case(
                        "[uplink]",
                        "[[uplink]]",
                        "[[uplink]]",
                        "uplink",
                        "must be a table, written [uplink], not an array of tables"),
                // Durations.
                new Case(
                        "interval = \"1s\"",
                        "interval = \"1 s\"",
                        "interval",
                        "devices[0].interval",
                        "\"1 s\" is not a duration; write a whole number and a unit: \"500ms\", \"1s\", \"2m\" or \"1h\""),
                new Case(
                        "interval = \"1s\"",
                        "interval = \"00s\"",
                        "interval",
                        "devices[0].interval",
                        "\"00s\" is not positive"),
                new Case(
                        "interval = \"1s\"",
                        "interval = \"1.5s\"",
                        "interval",
                        "devices[0].interval",
                        "is not a duration"),
                new Case(
                        "interval = \"1s\"",
                        "interval = \"-1s\"",
                        "interval",
                        "devices[0].interval",
                        "is not a duration"),
                new Case(
                        "interval = \"1s\"",
                        "interval = \"25h\"",
                        "interval",
                        "devices[0].interval",
                        "a poll interval of \"25h\" is longer than the longest, 24h"),
                new Case(
                        "interval = \"1s\"",
                        "interval = \"1d\"",
                        "interval",
                        "devices[0].interval",
                        "is not a duration"),
                new Case(
                        "interval = \"1s\"",
                        "interval = 5",
                        "interval",
                        "devices[0].interval",
                        "must be a string holding a duration, not an integer; write a whole number and a unit"),
                // Link addresses.
                new Case(
                        "tcp://10.0.0.5:502",
                        "tcp://10.0.0.5:70000",
                        "link =",
                        "devices[0].link",
                        "port must be 1..65535, got 70000"),
                new Case(
                        "tcp://10.0.0.5:502",
                        "tcp://10.0.0.5:0",
                        "link =",
                        "devices[0].link",
                        "port must be 1..65535, got 0"),
                new Case(
                        "tcp://10.0.0.5:502",
                        "tcp://10.0.0.5:http",
                        "link =",
                        "devices[0].link",
                        "port \"http\" is not a number"),
                new Case(
                        "tcp://10.0.0.5:502",
                        "udp://10.0.0.5:502",
                        "link =",
                        "devices[0].link",
                        "no transport opens \"udp:\" links in this build; it opens tcp://HOST:PORT,"
                                + " rtu+tcp://HOST:PORT, serial:/dev/PORT?baud=19200,"),
                new Case(
                        "tcp://10.0.0.5:502",
                        "rtu+tcp://10.0.0.5",
                        "link =",
                        "devices[0].link",
                        "\"rtu+tcp://10.0.0.5\": an RTU-over-TCP link needs a host and a port, e.g."
                                + " rtu+tcp://10.0.0.5:4001"),
                new Case(
                        "tcp://10.0.0.5:502",
                        "rtu+tcp://10.0.0.5:4001/x",
                        "link =",
                        "devices[0].link",
                        "an RTU-over-TCP link takes no path or parameters (rtu+tcp://HOST:PORT)"),
                new Case(
                        "tcp://10.0.0.5:502",
                        "serial://gw/ttyS0",
                        "link =",
                        "devices[0].link",
                        "write the port as a path, serial:/dev/ttyUSB0, not serial://"),
                new Case(
                        "tcp://10.0.0.5:502",
                        "serial:/dev/ttyS0?baud=fast",
                        "link =",
                        "devices[0].link",
                        "serial address \"serial:/dev/ttyS0?baud=fast\": baud=\"fast\" is not a whole"
                                + " number"),
                new Case(
                        "tcp://10.0.0.5:502",
                        "serial:/dev/ttyS0?baud=-9600",
                        "link =",
                        "devices[0].link",
                        "baud must be 50..4000000, got -9600"),
                new Case(
                        "tcp://10.0.0.5:502",
                        "serial:/dev/ttyS0?bauds=9600",
                        "link =",
                        "devices[0].link",
                        "unknown parameter \"bauds\" (known: baud, data, parity, stop,"),
                new Case(
                        "tcp://10.0.0.5:502",
                        "slcan:/dev/ttyACM0",
                        "link =",
                        "devices[0].link",
                        "bitrate is required"),
                new Case(
                        "tcp://10.0.0.5:502",
                        "candump:/var/log/can.log?speed=fast",
                        "link =",
                        "devices[0].link",
                        "speed=\"fast\" is not a number"),
                new Case(
                        "tcp://10.0.0.5:502",
                        "10.0.0.5",
                        "link =",
                        "devices[0].link",
                        "\"10.0.0.5\": a TCP link needs a host and a port, e.g. tcp://10.0.0.5:502"),
                new Case(
                        "tcp://10.0.0.5:502",
                        "tcp://10.0.0.5:502/x",
                        "link =",
                        "devices[0].link",
                        "a TCP link takes no path or parameters"),
                new Case(
                        "tcp://10.0.0.5:502",
                        "tcp://:502",
                        "link =",
                        "devices[0].link",
                        "has no host"),
                new Case("tcp://10.0.0.5:502", "", "link =", "devices[0].link", "is empty"),
                // host:port values.
                new Case(
                        "ingest.plant:7443",
                        "ingest.plant",
                        "receiver",
                        "uplink.receiver",
                        "\"ingest.plant\" is not HOST:PORT (write HOST:PORT, e.g. 127.0.0.1:9780 or [::1]:9780)"),
                new Case(
                        "ingest.plant:7443",
                        "ingest.plant:0",
                        "receiver",
                        "uplink.receiver",
                        "port must be 1..65535, got 0"),
                new Case(
                        "ingest.plant:7443",
                        "ingest.plant:65536",
                        "receiver",
                        "uplink.receiver",
                        "port must be 1..65535, got 65536"),
                new Case(
                        "ingest.plant:7443",
                        "ingest.plant:x",
                        "receiver",
                        "uplink.receiver",
                        "port \"x\" is not a number 1..65535"),
                new Case(
                        "127.0.0.1:9780",
                        "::1:9780",
                        "listen",
                        "admin.listen",
                        "an IPv6 host needs brackets"),
                new Case(
                        "127.0.0.1:9780",
                        "my host:9780",
                        "listen",
                        "admin.listen",
                        "has no valid host"),
                // Names.
                new Case(
                        "unit = 1\n",
                        "unit = 1\n\n[[devices]]\nname = \"boiler\" # again\ndriver = \"modbus\"\nlink = \"10.0.0.6:502\"\n",
                        "# again",
                        "devices[1].name",
                        "device name \"boiler\" is taken by devices[0] (line 13)"),
                new Case(
                        "  name = \"pump_on\"",
                        "  name = \"boiler_temp_c\" # again",
                        "# again",
                        "devices[0].points[1].name",
                        "point name \"boiler_temp_c\" is taken by devices[0].points[0] (line 20) in the same device"),
                new Case(
                        "name = \"line-3\"",
                        "name = \"\"",
                        "name = \"\"",
                        "gateway.name",
                        "is empty"),
                new Case(
                        "name = \"boiler\"",
                        "name = \"\"",
                        "name = \"\"",
                        "devices[0].name",
                        "is empty"),
                new Case(
                        "name = \"pump_on\"",
                        "name = \" \"",
                        "name = \" \"",
                        "devices[0].points[1].name",
                        "is empty"),
                new Case(
                        "name = \"line-3\"",
                        "name = \"line 3\"",
                        "line 3",
                        "gateway.name",
                        "\"line 3\" must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"),
                new Case(
                        "name = \"boiler\"",
                        "name = \"boiler #1\"",
                        "boiler #1",
                        "devices[0].name",
                        "\"boiler #1\" must be 1-64 letters, digits, '_', '.', ':', '/' or '-' (no spaces)"),
                new Case(
                        "name = \"pump_on\"",
                        "name = \"pump\\u001b[2J\"",
                        "pump",
                        "devices[0].points[1].name",
                        "\"pump\\u001b[2J\" must be"),
                // Driver names.
                new Case(
                        "driver = \"modbus\"",
                        "driver = \"Mod Bus\"",
                        "Mod Bus",
                        "devices[0].driver",
                        "\"Mod Bus\" is neither a bundled driver name ([a-z0-9-]{1,32}, e.g. \"modbus\" or \"modbus@0.1.0\") nor the path of a .wasm file"),
                new Case(
                        "driver = \"modbus\"",
                        "driver = \"modbus@\"",
                        "modbus@",
                        "devices[0].driver",
                        "is neither a bundled driver name"),
                // Values that cannot reach the driver (ABI §5).
                new Case(
                        "unit = 1",
                        "unit = 1\nlabel = \"two words\"",
                        "label",
                        "devices[0].label",
                        "\"two words\" cannot go to the driver: ABI §5 values are printable ASCII without spaces or '='"),
                new Case(
                        "unit = 1",
                        "unit = 1\nlabel = \"a=b\"",
                        "label",
                        "devices[0].label",
                        "cannot go to the driver"),
                new Case(
                        "unit = 1",
                        "unit = 1\nlabel = \"温度\"",
                        "label",
                        "devices[0].label",
                        "\"温度\" cannot go to the driver"),
                new Case(
                        "unit = 1",
                        "unit = 1\nlabel = \"\"",
                        "label",
                        "devices[0].label",
                        "an empty string cannot go to the driver (ABI §5: a value has at least one character)"),
                new Case(
                        "order = \"CDAB\"",
                        "order = [\"CD\", \"AB\"]",
                        "order",
                        "devices[0].points[0].order",
                        "an array cannot go to the driver; a driver key takes a string, a number or a boolean"),
                new Case(
                        "unit = 1",
                        "unit = 1\nmodbus.unit = 2",
                        "modbus.unit",
                        "devices[0].modbus",
                        "a table cannot go to the driver"),
                new Case(
                        "unit = 1",
                        "unit = 1\n\"max gap\" = 2",
                        "max gap",
                        "devices[0].\"max gap\"",
                        "this key cannot go to the driver: ABI §5 keys are letters, digits, '_', '-' or '.'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void everyMistakeOnItsOwnGivesOneProblemAtItsLine(Case c) throws Exception {
        assertThat(CLEAN).contains(c.find());
        String text = CLEAN.replace(c.find(), c.replace());
        Path f = write(text);
        ConfigException e =
                org.junit.jupiter.api.Assertions.assertThrows(
                        ConfigException.class, () -> GatewayConfig.load(f));
        assertThat(e.problems()).as(e.getMessage()).hasSize(1);
        Problem p = e.problems().get(0);
        assertThat(p.file()).isEqualTo(f);
        assertThat(p.line())
                .as(p.format())
                .isEqualTo(c.marker() == null ? 0 : lineOf(text, c.marker()));
        assertThat(p.key()).as(p.format()).isEqualTo(c.key());
        assertThat(p.message()).as(p.format()).contains(c.says());
        assertThat(e.getMessage()).isEqualTo(p.format());
    }

    @Test
    void everyProblemComesAtOnceInFileOrder() throws Exception {
        String text =
                CLEAN.replace("interval = \"1s\"", "interval = \"soon\"")
                        .replace("receiver = \"ingest.plant:7443\"", "receiver = \"x\"")
                        .replace("name = \"line-3\"", "name = \"line-3\"\ncolour = 1");
        Path f = write(text);
        ConfigException e =
                org.junit.jupiter.api.Assertions.assertThrows(
                        ConfigException.class, () -> GatewayConfig.load(f));
        assertThat(e.problems())
                .extracting(Problem::line)
                .containsExactly(
                        lineOf(text, "colour"), lineOf(text, "receiver"), lineOf(text, "soon"));
        assertThat(e.getMessage())
                .startsWith("3 problems in " + f + ":\n" + f + ":3: gateway.colour: unknown key")
                .contains(
                        "\n"
                                + f
                                + ":"
                                + lineOf(text, "soon")
                                + ": devices[0].interval: \"soon\" is not a duration");
    }

    @Test
    void aTomlErrorIsOneProblemEvenWhenItSwallowsWhatFollows() throws Exception {
        // After `data_dir =` tomlj loses the rest of the file: [uplink], [admin] and the devices.
        // Their absence is the TOML error's doing, so no missing key or table is reported.
        String text = CLEAN.replace("data_dir = \"data\"", "data_dir =");
        Path f = write(text);
        ConfigException e =
                org.junit.jupiter.api.Assertions.assertThrows(
                        ConfigException.class, () -> GatewayConfig.load(f));
        assertThat(e.problems())
                .extracting(Problem::format)
                .containsExactly(
                        f
                                + ":3: TOML: unexpected end of line, expected ', \", ''', \"\"\", a"
                                + " number, a boolean, a date/time, an array, or a table (column"
                                + " 11)");
    }

    @Test
    void aTomlErrorHidesNoMistakeElsewhere() throws Exception {
        String text =
                CLEAN.replace("type = \"f32\"", "type = f32")
                        .replace("interval = \"1s\"", "interval = \"1 s\"");
        Path f = write(text);
        ConfigException e =
                org.junit.jupiter.api.Assertions.assertThrows(
                        ConfigException.class, () -> GatewayConfig.load(f));
        assertThat(e.problems())
                .extracting(Problem::line)
                .containsExactly(lineOf(text, "1 s"), lineOf(text, "type = f32"));
    }

    @Test
    void anEmptyArrayOfDevicesIsAProblem() throws Exception {
        String text = "devices = []\n" + CLEAN.substring(0, CLEAN.indexOf("[[devices]]"));
        Path f = write(text);
        assertThatThrownBy(() -> GatewayConfig.load(f))
                .isInstanceOf(ConfigException.class)
                .hasMessage(
                        f + ":1: devices: is empty: a gateway needs at least one device to poll");
    }

    @Test
    void aFileThatIsNotUtf8SaysWhere() throws Exception {
        Path f = dir.resolve("latin1.toml");
        Files.write(f, CLEAN.replace("line-3", "lïne").getBytes(StandardCharsets.ISO_8859_1));
        ConfigException e =
                org.junit.jupiter.api.Assertions.assertThrows(
                        ConfigException.class, () -> GatewayConfig.load(f));
        assertThat(e.problems())
                .extracting(Problem::format)
                .containsExactly(
                        f
                                + ":2: TOML: the file is not UTF-8 (byte 0xef at offset 19); save it as UTF-8");
    }

    @Test
    void aMissingFileOrAFolderIsOneProblem() {
        Path missing = dir.resolve("nope.toml");
        assertThatThrownBy(() -> GatewayConfig.load(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessage(missing + ": no such file");
        assertThatThrownBy(() -> GatewayConfig.load(dir))
                .isInstanceOf(ConfigException.class)
                .hasMessage(dir + ": is a folder, not a config file");
    }

    @Test
    void theRecordsRefuseWhatTheReaderNeverBuilds() throws Exception {
        GatewayConfig c = GatewayConfig.load(write(CLEAN));
        DeviceConfigEntry d = c.devices().get(0);
        assertThatThrownBy(
                        () ->
                                new GatewayConfig(
                                        c.file(),
                                        c.gateway(),
                                        c.uplink(),
                                        c.admin(),
                                        List.of(d, d)))
                .hasMessageContaining("device boiler");
        assertThatThrownBy(
                        () ->
                                new DeviceConfigEntry(
                                        d.file(),
                                        0,
                                        "x",
                                        d.driver(),
                                        d.link(),
                                        d.interval(),
                                        Map.of("k", "two words"),
                                        d.points(),
                                        d.lines()))
                .hasMessageContaining("must be printable ASCII without spaces or '='");
        assertThatThrownBy(() -> new PointConfigEntry(0, "", Map.of(), SourceLines.NONE))
                .hasMessageContaining("point name \"\" must be");
        assertThatThrownBy(() -> new Gateway("line 3", Path.of("/x"), SourceLines.NONE))
                .hasMessageContaining("gateway name \"line 3\"");
        assertThatThrownBy(() -> new Gateway("gw", Path.of("x"), SourceLines.NONE))
                .hasMessageContaining("absolute");
    }
}
