package io.weir.host.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceSpecTest {
    private static final Duration SECOND = Duration.ofSeconds(1);

    @Test
    void parsesAddressAndConfigText() {
        DeviceSpec d =
                DeviceSpec.of(
                        "plc1",
                        "127.0.0.1:1502",
                        "modbus",
                        "device unit=1\npoint 0 area=coil address=5\n",
                        List.of("valve"),
                        SECOND);
        assertThat(d.link().scheme()).isEqualTo("tcp");
        assertThat(d.link().host()).isEqualTo("127.0.0.1");
        assertThat(d.link().port()).isEqualTo(1502);
        assertThat(d.config().points()).hasSize(1);
        assertThat(
                        DeviceSpec.of("v6", "[::1]:502", "modbus", "device\n", List.of(), SECOND)
                                .link()
                                .host())
                .isEqualTo("::1");
    }

    @Test
    void refusesInconsistentSpecs() {
        assertThatThrownBy(() -> DeviceSpec.of("d", "", "m", "device\n", List.of(), SECOND))
                .hasMessage("device d: a link address is empty");
        assertThatThrownBy(
                        () -> DeviceSpec.of("d", "1.2.3.4:x", "m", "device\n", List.of(), SECOND))
                .hasMessageStartingWith("device d: link address \"1.2.3.4:x\"")
                .hasMessageContaining("port \"x\" is not a number");
        assertThatThrownBy(() -> DeviceSpec.of("d", "h:0", "m", "device\n", List.of(), SECOND))
                .hasMessageContaining("port must be 1..65535");
        assertThatThrownBy(() -> DeviceSpec.of("d", "h:1", "m", "point 0\n", List.of(), SECOND))
                .hasMessageStartingWith("device d: config line 1");
        assertThatThrownBy(
                        () ->
                                DeviceSpec.of(
                                        "d",
                                        "h:1",
                                        "m",
                                        "device\npoint 0 a=b\n",
                                        List.of(),
                                        SECOND))
                .hasMessage("device d has 0 point names for 1 point lines");
        assertThatThrownBy(
                        () ->
                                DeviceSpec.of(
                                        "d",
                                        "h:1",
                                        "m",
                                        "device\npoint 0 a=b\npoint 1 a=c\n",
                                        List.of("x", "x"),
                                        SECOND))
                .hasMessage("device d names point \"x\" twice");
        assertThatThrownBy(
                        () ->
                                DeviceSpec.of(
                                        "d",
                                        "h:1",
                                        "m",
                                        "device\n",
                                        List.of(),
                                        Duration.ofNanos(500_000)))
                .hasMessage(
                        "device d: poll interval must be at least 1 ms, or 0 to scan"
                                + " continuously");
        assertThatThrownBy(
                        () ->
                                DeviceSpec.of(
                                        "d",
                                        "h:1",
                                        "m",
                                        "device\n",
                                        List.of(),
                                        Duration.ofMillis(-1)))
                .hasMessageContaining("at least 1 ms, or 0");
    }

    @Test
    void anIntervalOfZeroScansContinuously() {
        DeviceSpec d = DeviceSpec.of("d", "h:1", "m", "device\n", List.of(), Duration.ZERO);
        assertThat(d.continuous()).isTrue();
        assertThat(DeviceSpec.of("d", "h:1", "m", "device\n", List.of(), SECOND).continuous())
                .isFalse();
    }

    @Test
    void refusesHostKeysInAnOperatorsConfig() {
        assertThatThrownBy(
                        () ->
                                DeviceSpec.of(
                                        "d",
                                        "h:1",
                                        "m",
                                        "device unit=1 weir.transport=can\n",
                                        List.of(),
                                        SECOND))
                .hasMessage(
                        "device d: device: key weir.transport is reserved for the host (ABI §5.1)");
        assertThatThrownBy(
                        () ->
                                DeviceSpec.of(
                                        "d",
                                        "h:1",
                                        "m",
                                        "device\npoint 0 weir.x=1\n",
                                        List.of("p"),
                                        SECOND))
                .hasMessage("device d: point 0: key weir.x is reserved for the host (ABI §5.1)");
    }
}
