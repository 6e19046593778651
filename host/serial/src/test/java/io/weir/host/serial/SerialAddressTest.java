package io.weir.host.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.host.io.LinkAddress;
import io.weir.host.serial.LineSettings.Parity;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SerialAddressTest {

    private static SerialAddress parse(String text) {
        return SerialAddress.parse(LinkAddress.parse(text));
    }

    @Test
    void defaultsAreModbusOverSerialLine() {
        SerialAddress a = parse("serial:/dev/ttyUSB0");
        assertThat(a.path()).isEqualTo("/dev/ttyUSB0");
        assertThat(a.line()).isEqualTo(new LineSettings(19200, 8, Parity.EVEN, 1));
        assertThat(a.silence()).isEqualTo(Duration.ofNanos(2_005_208));
        assertThat(a.turnaround()).isZero();
        assertThat(a.misses()).isEqualTo(2);
        assertThat(a.backoff()).isEqualTo(Duration.ofSeconds(1));
        assertThat(a.backoffMax()).isEqualTo(Duration.ofSeconds(60));
        assertThat(a.reopen()).isEqualTo(Duration.ofSeconds(1));
        assertThat(a.hold()).isEqualTo(Duration.ofSeconds(65));
        assertThat(a.describe()).isEqualTo("serial /dev/ttyUSB0 19200 8E1");
    }

    @Test
    void readsEveryParameter() {
        SerialAddress a =
                parse(
                        "serial:/dev/ttyS1?baud=9600&parity=N&data=7&stop=2&silence=5ms"
                                + "&turnaround=500us&misses=3&backoff=250ms&backoffmax=10s"
                                + "&reopen=2s&hold=1.5s");
        assertThat(a.line()).isEqualTo(new LineSettings(9600, 7, Parity.NONE, 2));
        assertThat(a.silence()).isEqualTo(Duration.ofMillis(5));
        assertThat(a.turnaround()).isEqualTo(Duration.ofNanos(500_000));
        assertThat(a.misses()).isEqualTo(3);
        assertThat(a.backoff()).isEqualTo(Duration.ofMillis(250));
        assertThat(a.backoffMax()).isEqualTo(Duration.ofSeconds(10));
        assertThat(a.reopen()).isEqualTo(Duration.ofSeconds(2));
        assertThat(a.hold()).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void theSilenceFollowsTheLineUnlessGiven() {
        assertThat(parse("serial:/dev/ttyS1?baud=9600&parity=N").silence())
                .isEqualTo(Duration.ofNanos(3_645_833));
        assertThat(parse("serial:/dev/ttyS1?baud=115200").silence())
                .isEqualTo(Duration.ofNanos(1_750_000));
        assertThat(parse("serial:COM3?silence=10ms").silence()).isEqualTo(Duration.ofMillis(10));
        assertThat(parse("serial:COM3").path()).isEqualTo("COM3");
    }

    @Test
    void everyMistakeNamesTheAddressAndTheParameter() {
        assertThatThrownBy(() -> parse("serial:/dev/ttyS0?speed=9600"))
                .hasMessage(
                        "serial address \"serial:/dev/ttyS0?speed=9600\": unknown parameter"
                                + " \"speed\" (known: baud, data, parity, stop, silence, turnaround,"
                                + " misses, backoff, backoffmax, reopen, hold)");
        assertThatThrownBy(() -> parse("serial:/dev/ttyS0?baud=fast"))
                .hasMessage(
                        "serial address \"serial:/dev/ttyS0?baud=fast\": baud=\"fast\" is not a"
                                + " whole number");
        assertThatThrownBy(() -> parse("serial:/dev/ttyS0?parity=Q"))
                .hasMessageContaining(": parity \"Q\" is not N, E, O, M or S");
        assertThatThrownBy(() -> parse("serial:/dev/ttyS0?stop=3"))
                .hasMessageEndingWith(": stop=\"3\" is not 1, 1.5 or 2");
        assertThatThrownBy(() -> parse("serial:/dev/ttyS0?turnaround=5"))
                .hasMessageEndingWith(
                        ": turnaround=\"5\" is not a duration such as 500us, 2ms or 1s");
        assertThatThrownBy(() -> parse("serial:/dev/ttyS0?silence=0"))
                .hasMessageEndingWith(": silence must be > 0 and at most 1 s, got PT0S");
        assertThatThrownBy(() -> parse("serial:/dev/ttyS0?backoff=5s&backoffmax=1s"))
                .hasMessageEndingWith(
                        ": backoff must be > 0 and at most backoffmax, got PT5S and PT1S");
        assertThatThrownBy(() -> parse("serial:/dev/ttyS0?misses=0"))
                .hasMessageEndingWith(": misses must be 1..100, got 0");
        assertThatThrownBy(() -> parse("serial:/dev/ttyS0?reopen=1ms"))
                .hasMessageEndingWith(": reopen must be at least 10 ms, got PT0.001S");
        assertThatThrownBy(() -> parse("serial://host:1/x"))
                .hasMessageEndingWith(
                        ": write the port as a path, serial:/dev/ttyUSB0, not serial://…");
        assertThatThrownBy(() -> parse("serial:?baud=9600"))
                .hasMessage(
                        "serial address \"serial:?baud=9600\": no port path (write"
                                + " serial:/dev/ttyUSB0)");
    }
}
