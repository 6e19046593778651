package io.weir.tools.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A driver's E_CONFIG text (ABI §5) mapped back to the line of the config file it is about. */
class DriverComplaintTest {
    @TempDir Path dir;
    Path file;
    DeviceConfigEntry device;

    @BeforeEach
    void load() throws Exception {
        file = dir.resolve("gw.toml");
        Files.writeString(file, GatewayConfigTest.CLEAN);
        device = GatewayConfig.load(file).devices().get(0);
    }

    int line(String marker) {
        return GatewayConfigTest.lineOf(GatewayConfigTest.CLEAN, marker);
    }

    @Test
    void aPointLineGoesToTheKeyTheDriverNames() {
        Problem p =
                device.driverProblem("modbus", "point 0: unknown type \"f33\" (expected bool, …)");
        assertThat(p.format())
                .isEqualTo(
                        file
                                + ":"
                                + line("type = \"f32\"")
                                + ": devices[0].points[0]: driver modbus says: unknown type"
                                + " \"f33\" (expected bool, …)");
        assertThat(device.driverProblem("modbus", "point 1: address=70000 is out of range").line())
                .isEqualTo(line("address = 5"));
        // The first key named wins: "type" comes before "area" here.
        assertThat(
                        device.driverProblem(
                                        "modbus",
                                        "point 0: type bool in area holding needs bit=0..15")
                                .line())
                .isEqualTo(line("type = \"f32\""));
    }

    @Test
    void aPointLineThatNamesNoKeyOfThePointGoesToThePointsTable() {
        Problem p = device.driverProblem("modbus", "point 1: missing key \"bit\"");
        assertThat(p.line()).isEqualTo(line("name = \"pump_on\"") - 1);
        assertThat(p.key()).isEqualTo("devices[0].points[1]");
        // "addresses" is not the key "address"; "order" inside "border" is not "order" either.
        assertThat(device.driverProblem("modbus", "point 0: addresses overlap a border").line())
                .isEqualTo(line("name = \"boiler_temp_c\"") - 1);
    }

    @Test
    void theDeviceLineGoesToTheDeviceOrItsKey() {
        Problem p = device.driverProblem("modbus", "device: unit=300 is out of range 0..255");
        assertThat(p.line()).isEqualTo(line("unit = 1"));
        assertThat(p.key()).isEqualTo("devices[0]");
        assertThat(p.message()).isEqualTo("driver modbus says: unit=300 is out of range 0..255");
        assertThat(device.driverProblem("modbus", "device: missing key \"port\"").line())
                .isEqualTo(line("[[devices]]"));
    }

    @Test
    void configTextLineNumbersCountTheDeviceLineFirst() {
        assertThat(device.driverProblem("x", "line 1: bad").key()).isEqualTo("devices[0]");
        assertThat(device.driverProblem("x", "line 3: bad").key())
                .isEqualTo("devices[0].points[1]");
        assertThat(device.driverProblem("x", "line 3: bad").message())
                .isEqualTo("driver x says: bad");
    }

    @Test
    void textThatNamesNoLineGoesToTheDevice() {
        Problem p = device.driverProblem("modbus", "FC3 request at 100 serves 3000 points");
        assertThat(p.line()).isEqualTo(line("[[devices]]"));
        assertThat(p.message())
                .isEqualTo("driver modbus says: FC3 request at 100 serves 3000 points");
        assertThat(device.driverProblem("modbus", "").message())
                .isEqualTo("driver modbus refused the config without saying why");
    }

    @Test
    void aPointTheTextDidNotHaveIsSaidNotGuessed() {
        Problem p = device.driverProblem("modbus", "point 7: nonsense");
        assertThat(p.key()).isEqualTo("devices[0]");
        assertThat(p.message())
                .isEqualTo(
                        "driver modbus names point 7, which its config text does not have: point 7: nonsense");
    }

    @Test
    void whenTheCheckLeftPointsOutTheDriversIndexIsMappedToTheFullMap() {
        // The text held only point 1 of the file (as its point 0).
        DriverComplaint c = DriverComplaint.locate(device, "modbus", "point 0: area=x", List.of(1));
        assertThat(c.point()).isEqualTo(1);
        assertThat(c.problem().key()).isEqualTo("devices[0].points[1]");
        assertThat(c.problem().line()).isEqualTo(line("area = \"coil\""));
    }

    @Test
    void theDriversTextIsEscaped() {
        Problem p = device.driverProblem("modbus", "point 0: bad\u001b[2J\r\nforged.toml:1: ok");
        assertThat(p.message())
                .isEqualTo("driver modbus says: bad\\u001b[2J\\u000d\\u000aforged.toml:1: ok");
        assertThat(p.format()).doesNotContain("\n").doesNotContain("\u001b");
    }
}
