package io.weir.host.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.host.io.LinkAddress;
import org.junit.jupiter.api.Test;

/** Which devices share a bus; nothing here opens a port (links open when started). */
class SerialTransportTest {

    @Test
    void devicesOnOnePortShareOneBusAndOthersDoNot() {
        try (SerialTransport t = new SerialTransport()) {
            assertThat(t.schemes()).containsExactly("serial");
            assertThat(t.kind()).isEqualTo("serial");
            SerialLink a = t.open(LinkAddress.parse("serial:/dev/ttyUSB7?baud=9600&parity=N"));
            SerialLink b =
                    t.open(LinkAddress.parse("serial:/dev/ttyUSB7?baud=9600&parity=N&misses=5"));
            SerialLink c = t.open(LinkAddress.parse("serial:/dev/ttyUSB8"));
            assertThat(a.bus()).isSameAs(b.bus());
            assertThat(c.bus()).isNotSameAs(a.bus());
            assertThat(t.buses()).hasSize(2);
            assertThat(a.describe()).isEqualTo("serial /dev/ttyUSB7 9600 8N1 #1");
            assertThat(b.describe()).isEqualTo("serial /dev/ttyUSB7 9600 8N1 #2");
            assertThat(a.queuesSends()).isTrue();
            assertThat(a.frameSilenceNanos()).isEqualTo(3_645_833);

            // Not started: not connected, and nothing can be sent.
            assertThat(a.connected()).isFalse();
            assertThat(a.send(new byte[] {1})).isFalse();

            // The last device to leave a bus closes it.
            a.close();
            assertThat(t.buses()).hasSize(2);
            b.close();
            assertThat(t.buses()).containsExactly(c.bus());
            assertThat(b.downReason()).isEqualTo("closed by the host");
        }
    }

    @Test
    void devicesOnOnePortMustAgreeOnTheLine() {
        try (SerialTransport t = new SerialTransport()) {
            t.open(LinkAddress.parse("serial:/dev/ttyUSB7?baud=9600"));
            assertThatThrownBy(() -> t.open(LinkAddress.parse("serial:/dev/ttyUSB7?baud=19200")))
                    .hasMessage(
                            "serial port /dev/ttyUSB7 is already open as 9600 8E1 (silence 4010 µs,"
                                    + " turnaround 0 µs, reopen 1000 ms, hold 65000 ms); a device on"
                                    + " the same bus asks for 19200 8E1 (silence 2005 µs, turnaround"
                                    + " 0 µs, reopen 1000 ms, hold 65000 ms): every device on one"
                                    + " port must use the same line settings");
        }
    }

    @Test
    void aWrongAddressIsRefusedBeforeAnythingOpens() {
        try (SerialTransport t = new SerialTransport()) {
            assertThatThrownBy(() -> t.open(LinkAddress.parse("serial:/dev/ttyS0?baud=0")))
                    .hasMessage(
                            "serial address \"serial:/dev/ttyS0?baud=0\": baud must be"
                                    + " 50..4000000, got 0");
            assertThat(t.buses()).isEmpty();
        }
    }
}
