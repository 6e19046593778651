package io.weir.tools.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.tools.driver.DriverLifecycle;
import io.weir.tools.driver.DriverRegistry;
import io.weir.tools.driver.Origin;
import io.weir.tools.driver.TestDrivers;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weir config check} applies the key table of the package that provides each device's
 * driver: the version installed in the data folder's registry (active, or pinned with {@code
 * name@version}) rather than the bundled one, and no table at all for a bare {@code .wasm} module.
 */
class PackageKeyTableCheckTest {
    @TempDir Path dir;

    /** A version of the Modbus driver whose package allows unit identifiers up to 100 only. */
    static final String STRICT = "0.2.1";

    static final String CONFIG =
            """
            [gateway]
            name = "line-3"
            data_dir = "data"

            [[devices]]
            name = "boiler"
            driver = "%s"
            link = "tcp://10.0.0.5:502"
            unit = 150

              [[devices.points]]
              name = "temp"
              area = "holding"
              address = 100
              type = "f32"
            """;

    Path config(String driver) throws Exception {
        return Files.writeString(dir.resolve("gateway.toml"), CONFIG.formatted(driver));
    }

    Path installStrict(boolean activate) throws Exception {
        return installStrict(dir, activate);
    }

    /**
     * Installs {@link #STRICT} (unsigned; activated or not) in {@code dir/data}, the data folder of
     * {@link #CONFIG} written in {@code dir}.
     */
    static Path installStrict(Path dir, boolean activate) throws Exception {
        Path src = TestDrivers.folder(dir.resolve("src-" + STRICT), STRICT);
        Path manifest = src.resolve("weir-package.json");
        String json = Files.readString(manifest);
        String narrowed =
                json.replace(
                        "{\"key\": \"unit\", \"type\": \"int\", \"min\": 0, \"max\": 255",
                        "{\"key\": \"unit\", \"type\": \"int\", \"min\": 0, \"max\": 100");
        assertThat(narrowed).as("the unit key of the Modbus package").isNotEqualTo(json);
        Files.writeString(manifest, narrowed);
        Path pkg = dir.resolve("modbus-" + STRICT + ".wdrv");
        io.weir.host.lifecycle.PackageWriter.pack(
                src, null, pkg, b -> io.weir.host.driver.DriverModule.load("driver.wasm", b));
        Path data = dir.resolve("data");
        try (DriverRegistry r = DriverRegistry.open(data);
                DriverLifecycle lc =
                        new DriverLifecycle(
                                r,
                                new DriverLifecycle.Options(
                                        true, DriverLifecycle.Options.DEFAULT.probation(), 3, 100),
                                null)) {
            lc.install(pkg, pkg.getFileName().toString(), Origin.CLI, activate);
        }
        return data;
    }

    static final String OUT_OF_RANGE =
            "devices[0].unit: device \"boiler\": unit=150 is out of range 0..100";

    @Test
    void aPinnedVersionFromTheRegistryIsCheckedAgainstItsOwnTable() throws Exception {
        installStrict(false);
        Path f = config("modbus@" + STRICT);
        assertThat(ConfigCheck.run(f).problems())
                .extracting(Problem::format)
                .containsExactly(f + ":9: " + OUT_OF_RANGE);

        // Unpinned, the bundled driver runs (the installed version is not active): its table
        // allows 0..255, and so does the driver.
        assertThat(ConfigCheck.run(config("modbus")).problems()).isEmpty();
    }

    @Test
    void theActiveVersionIsCheckedAgainstItsOwnTable() throws Exception {
        installStrict(true);
        Path f = config("modbus");
        assertThat(ConfigCheck.run(f).problems())
                .extracting(Problem::format)
                .containsExactly(f + ":9: " + OUT_OF_RANGE);
    }

    @Test
    void aPinnedVersionThatIsNotInstalledNamesWhatIs() throws Exception {
        Path data = installStrict(false);
        Path f = config("modbus@0.2.9");
        assertThat(ConfigCheck.run(f).problems())
                .extracting(Problem::format)
                .containsExactly(
                        f
                                + ":7: devices[0].driver: driver \"modbus@0.2.9\": version 0.2.9 is"
                                + " not installed (installed in the driver registry in "
                                + data
                                + ": "
                                + STRICT
                                + ") and the bundled driver is modbus 0.2.0; install it (`weir"
                                + " driver install`), or write driver = \"modbus\" or the path of"
                                + " a .wasm file");
    }

    @Test
    void aPackageChangedSinceItWasInstalledIsAProblemAtTheDriverLine() throws Exception {
        Path data = installStrict(false);
        Path kept = data.resolve("drivers/modbus/" + STRICT + ".wdrv");
        assertThat(kept).exists();
        Files.write(kept, new byte[] {'P', 'K', 3, 4}, java.nio.file.StandardOpenOption.APPEND);
        Path f = config("modbus@" + STRICT);
        List<Problem> problems = ConfigCheck.run(f).problems();
        assertThat(problems).extracting(Problem::key).containsExactly("devices[0].driver");
        assertThat(problems.get(0).message())
                .startsWith("driver modbus " + STRICT + " (installed: " + kept + ")")
                .contains("changed since it was installed");
    }

    @Test
    void aDataFolderWithoutARegistryIsLeftAsItIs() throws Exception {
        Path f = config("modbus");
        assertThat(ConfigCheck.run(f).problems()).isEmpty();
        assertThat(dir.resolve("data")).doesNotExist();
    }

    @Test
    void aBareWasmModuleHasNoTableAndIsJudgedByItsDriverAlone() throws Exception {
        Path wasm = dir.resolve("modbus.wasm");
        try (InputStream in =
                getClass().getClassLoader().getResourceAsStream("drivers/modbus.wasm")) {
            Files.copy(in, wasm);
        }
        // The table of the bundled package would also say that "address" is missing; without a
        // package only the driver speaks, in its own words.
        String text =
                CONFIG.formatted("modbus.wasm")
                        .replace("unit = 150", "unit = 300")
                        .replace("address = 100", "adress = 100");
        Path f = Files.writeString(dir.resolve("gateway.toml"), text);
        List<Problem> problems = ConfigCheck.run(f).problems();
        assertThat(problems)
                .extracting(Problem::format)
                .containsExactly(
                        f + ":9: devices[0]: driver modbus says: unit=300 is out of range 0..255",
                        f
                                + ":14: devices[0].points[0]: driver modbus says: unknown key"
                                + " \"adress\" (known keys: area, address, type, order, bit, scale,"
                                + " offset)");
        assertThat(problems)
                .extracting(Problem::message)
                .noneMatch(m -> m.contains("table") || m.contains("package"));
    }

    @Test
    void theTableSeesTheKeysTheDriverSeesNotTheHostKeys() throws Exception {
        // name, driver, link and interval are the host's; the rest is the driver's device line.
        String text =
                CONFIG.formatted("modbus").replace("unit = 150", "unit = 1\ninterval = \"2s\"");
        Path f = Files.writeString(dir.resolve("gateway.toml"), text);
        assertThat(ConfigCheck.run(f).problems()).isEmpty();
        DeviceConfigEntry d = ConfigReader.read(f).checkable().get(0);
        assertThat(d.deviceKeys()).isEqualTo(Map.of("unit", "1"));
    }

    @Test
    void everyUnknownKeyOfADeviceIsSaidAndTheDriverStillJudgesTheRest() throws Exception {
        // The driver stops at the first unknown device key; the table names both, and the driver,
        // shown the device without them, still finds what only it knows (f32 at 65535).
        String text =
                CONFIG.formatted("modbus")
                        .replace("unit = 150", "unit = 1\nunti = 2\ntimeout = \"1s\"")
                        .replace("address = 100", "address = 65535");
        Path f = Files.writeString(dir.resolve("gateway.toml"), text);
        assertThat(ConfigCheck.run(f).problems())
                .extracting(Problem::format)
                .containsExactly(
                        f
                                + ":10: devices[0].unti: device \"boiler\": unknown key \"unti\""
                                + " (known keys: unit, max_registers, max_bits, max_gap,"
                                + " timeout_ms)",
                        f
                                + ":11: devices[0].timeout: device \"boiler\": unknown key"
                                + " \"timeout\" (known keys: unit, max_registers, max_bits,"
                                + " max_gap, timeout_ms)",
                        f
                                + ":17: devices[0].points[0]: driver modbus says: type f32 at"
                                + " address 65535 runs past register 65535");
    }

    @Test
    void theJsonOfATableProblemNamesTheKey() throws Exception {
        Path f = config("modbus");
        Files.writeString(f, Files.readString(f).replace("unit = 150", "unit = 256"));
        Problem p = ConfigCheck.run(f).problems().get(0);
        assertThat(p.json())
                .containsEntry("kind", "problem")
                .containsEntry("line", 9)
                .containsEntry("key", "devices[0].unit")
                .containsEntry("message", "device \"boiler\": unit=256 is out of range 0..255");
    }

    static final Path CSS_DBC =
            Path.of(
                    System.getProperty("weir.corpus", "../../shared/corpus"),
                    "can",
                    "j1939",
                    "css-electronics",
                    "CSS-Electronics-SAE-J1939-DEMO.dbc");

    static final String DBC_CONFIG =
            """
            [gateway]
            name = "truck"
            data_dir = "data"

            [[devices]]
            name = "engine"
            driver = "can-dbc"
            link = "socketcand://127.0.0.1:29536/can0"
            dbc = "css.dbc"
            address = 249
            """;

    @Test
    void aDbcDeviceIsCheckedWithThePointLinesItsDbcMakes() throws Exception {
        Files.copy(CSS_DBC, dir.resolve("css.dbc"));
        // The points the converter makes from the DBC fit the can-dbc table, and so does j1939=1,
        // which the DBC implies.
        Path clean = Files.writeString(dir.resolve("gateway.toml"), DBC_CONFIG);
        assertThat(ConfigCheck.run(clean).problems()).isEmpty();

        String text = DBC_CONFIG.replace("address = 249", "address = 254\nsrc = 1");
        Path f = Files.writeString(dir.resolve("gateway.toml"), text);
        assertThat(ConfigCheck.run(f).problems())
                .extracting(Problem::format)
                .containsExactly(
                        f
                                + ":10: devices[0].address: device \"engine\": address=254 is out"
                                + " of range 0..253",
                        f
                                + ":11: devices[0].src: device \"engine\": unknown key \"src\""
                                + " (known keys: j1939, address, source, cts_packets)");

        // A point made from a DBC signal sits at the dbc line: its problem names the signal.
        DeviceConfigEntry d = ConfigReader.read(clean).checkable().get(0);
        Problem p =
                DriverVerdicts.tableProblem(
                        d,
                        new io.weir.host.lifecycle.KeyTable.Problem(
                                2, "start", "point 2: start=600 is out of range 0..511"));
        assertThat(p.format())
                .isEqualTo(
                        clean
                                + ":9: devices[0].points[2].start: device \"engine\" point 2"
                                + " (CCVS1.WheelBasedVehicleSpeed): start=600 is out of range"
                                + " 0..511");
    }
}
