package io.weir.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeviceConfigTest {

    @Test
    void buildsTheTextOfTheModbusExample() {
        Map<String, String> p0 = new LinkedHashMap<>();
        p0.put("area", "holding");
        p0.put("address", "100");
        p0.put("type", "f32");
        DeviceConfig c = new DeviceConfig(Map.of("unit", "1"), List.of(p0, Map.of("area", "coil")));
        assertThat(c.text())
                .isEqualTo(
                        "device unit=1\n"
                                + "point 0 area=holding address=100 type=f32\n"
                                + "point 1 area=coil\n");
        assertThat(DeviceConfig.parse(c.text())).isEqualTo(c);
        assertThat(c.discovery()).isFalse();
    }

    @Test
    void discoveryModeHasNoPoints() {
        DeviceConfig c = DeviceConfig.parse("device\n");
        assertThat(c.discovery()).isTrue();
        assertThat(c.device()).isEmpty();
    }

    @Test
    void refusesBrokenText() {
        assertThatThrownBy(() -> DeviceConfig.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> DeviceConfig.parse("device unit=1"))
                .hasMessageContaining("must end with LF");
        assertThatThrownBy(() -> DeviceConfig.parse("point 0 a=b\n"))
                .hasMessageContaining("line 1: the first line must be \"device\"");
        assertThatThrownBy(() -> DeviceConfig.parse("device\npoint 1 a=b\n"))
                .hasMessageContaining("line 2: point index 1 out of order; expected 0");
        assertThatThrownBy(() -> DeviceConfig.parse("device\ndevice\n"))
                .hasMessageContaining("line 2: expected a \"point\" line");
        assertThatThrownBy(() -> DeviceConfig.parse("device unit\n"))
                .hasMessageContaining("\"unit\" is not a key=value pair");
        assertThatThrownBy(() -> DeviceConfig.parse("device unit=1 unit=2\n"))
                .hasMessageContaining("key \"unit\" given twice");
        assertThatThrownBy(() -> DeviceConfig.parse("device k=a=b\n"))
                .hasMessageContaining("value \"a=b\" of key k");
        assertThatThrownBy(() -> DeviceConfig.parse("device  k=1\n"))
                .hasMessageContaining("\"\" is not a key=value pair");
        assertThatThrownBy(() -> DeviceConfig.parse("device k=1\r\n"))
                .hasMessageContaining("not CRLF");
        assertThatThrownBy(() -> new DeviceConfig(Map.of("k y", "1"), List.of()))
                .hasMessageContaining("key \"k y\"");
        assertThatThrownBy(() -> new DeviceConfig(Map.of("k", "é"), List.of()))
                .hasMessageContaining("printable ASCII");
    }

    @Test
    void hostKeysAreAppendedToTheDeviceLineOnly() {
        DeviceConfig c = DeviceConfig.parse("device unit=1\npoint 0 area=coil\n");
        assertThat(c.hostKeyProblem()).isNull();
        DeviceConfig passed = c.withHostKeys(Map.of(Abi.HOST_KEY_TRANSPORT, "serial"));
        assertThat(passed.text())
                .isEqualTo("device unit=1 weir.transport=serial\npoint 0 area=coil\n");
        assertThat(passed.hostKeyProblem())
                .isEqualTo("device: key weir.transport is reserved for the host (ABI §5.1)");
        assertThatThrownBy(() -> passed.withHostKeys(Map.of()))
                .hasMessageContaining("reserved for the host");
        assertThat(DeviceConfig.parse("device\npoint 0 weir.x=1\n").hostKeyProblem())
                .isEqualTo("point 0: key weir.x is reserved for the host (ABI §5.1)");
        assertThat(DeviceConfig.isHostKey("weird")).isFalse();
    }
}
