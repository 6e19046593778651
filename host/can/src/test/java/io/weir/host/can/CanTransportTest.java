package io.weir.host.can;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.host.io.LinkAddress;
import org.junit.jupiter.api.Test;

/** Addresses and sharing; nothing here connects (links connect when started). */
class CanTransportTest {

    private static CanLink open(CanTransport t, String address) {
        return t.open(LinkAddress.parse(address));
    }

    @Test
    void opensTheThreeSchemesAsCanLinks() {
        try (CanTransport t = new CanTransport()) {
            assertThat(t.schemes()).containsExactlyInAnyOrder("slcan", "socketcand", "candump");
            assertThat(t.kind()).isEqualTo("can");
            assertThat(open(t, "slcan:/dev/ttyACM0?bitrate=500000").describe())
                    .isEqualTo("slcan /dev/ttyACM0 500 kbit/s #1");
            assertThat(
                            open(
                                            t,
                                            "slcan:/dev/ttyACM1?bitrate=1000000&databitrate=5000000&listen=true")
                                    .describe())
                    .isEqualTo("slcan /dev/ttyACM1 1000 kbit/s FD 5000 kbit/s listen-only #1");
            assertThat(open(t, "socketcand://gw.local/can0").describe())
                    .isEqualTo("socketcand gw.local:29536/can0 #1");
            assertThat(open(t, "candump:/var/log/bus.log?speed=10&iface=can1").describe())
                    .isEqualTo("candump /var/log/bus.log at 10x can1 #1");
            assertThat(open(t, "candump:/var/log/other.log?speed=max").describe())
                    .isEqualTo("candump /var/log/other.log at full speed #1");
        }
    }

    @Test
    void devicesOnOneBusShareItAndMustAgree() {
        try (CanTransport t = new CanTransport()) {
            CanLink a = open(t, "socketcand://127.0.0.1:29536/can0");
            CanLink b = open(t, "socketcand://127.0.0.1/can0");
            CanLink c = open(t, "socketcand://127.0.0.1/can1");
            assertThat(a.bus()).isSameAs(b.bus());
            assertThat(c.bus()).isNotSameAs(a.bus());
            assertThat(b.describe()).endsWith("#2");
            assertThatThrownBy(() -> open(t, "socketcand://127.0.0.1/can0?backoff=1s"))
                    .hasMessageStartingWith(
                            "CAN bus socketcand 127.0.0.1:29536/can0 is already open with")
                    .hasMessageEndingWith("every device on one bus must use the same settings");
            CanLink s1 = open(t, "slcan:/dev/ttyACM0?bitrate=500000");
            assertThatThrownBy(() -> open(t, "slcan:/dev/ttyACM0?bitrate=250000"))
                    .hasMessageContaining("is already open with");
            assertThat(s1.connected()).isFalse();
            assertThat(s1.downReason()).isEqualTo("not opened yet");
        }
    }

    @Test
    void everyMistakeNamesTheAddressAndTheParameter() {
        try (CanTransport t = new CanTransport()) {
            assertThatThrownBy(() -> open(t, "slcan:/dev/ttyACM0"))
                    .hasMessage(
                            "slcan address \"slcan:/dev/ttyACM0\": bitrate is required (a wrong one"
                                    + " disturbs the bus), e.g. bitrate=500000");
            assertThatThrownBy(() -> open(t, "slcan:/dev/ttyACM0?bitrate=83333"))
                    .hasMessageStartingWith(
                            "slcan address \"slcan:/dev/ttyACM0?bitrate=83333\": bitrate 83333 has"
                                    + " no slcan code");
            assertThatThrownBy(() -> open(t, "slcan:/dev/ttyACM0?bitrate=500000&speed=1"))
                    .hasMessage(
                            "slcan address \"slcan:/dev/ttyACM0?bitrate=500000&speed=1\": unknown"
                                    + " parameter \"speed\" (known: bitrate, databitrate, listen, baud,"
                                    + " data, parity, stop, reopen, timeout, keepalive)");
            assertThatThrownBy(() -> open(t, "slcan:/dev/ttyACM0?bitrate=500000&listen=maybe"))
                    .hasMessageEndingWith(": listen=\"maybe\" is not true or false");
            assertThatThrownBy(() -> open(t, "slcan://host/x?bitrate=500000"))
                    .hasMessageEndingWith(
                            ": write the adapter's port as a path, slcan:/dev/ttyACM0?bitrate=500000");
            assertThatThrownBy(() -> open(t, "socketcand://127.0.0.1"))
                    .hasMessageEndingWith(
                            ": the bus (the path, e.g. /can0) must be 1 to 16 of A-Z a-z 0-9 _ . -,"
                                    + " got \"\"");
            assertThatThrownBy(() -> open(t, "socketcand:/can0"))
                    .hasMessage(
                            "socketcand address \"socketcand:/can0\": write socketcand://host:29536/can0");
            assertThatThrownBy(() -> open(t, "socketcand://h/can0?connect=1ms"))
                    .hasMessageEndingWith(": connect must be at least 10 ms, got 1ms");
            assertThatThrownBy(() -> open(t, "candump:/x.log?speed=fast"))
                    .hasMessageEndingWith(
                            ": speed=\"fast\" is not a number (1 = as recorded, 10 = ten times"
                                    + " faster, max = as fast as possible)");
            assertThatThrownBy(() -> open(t, "candump:/x.log?speed=-1"))
                    .hasMessageEndingWith(": speed must be > 0 (or max), got -1");
            assertThatThrownBy(() -> t.open(LinkAddress.parse("tcp://h:1")))
                    .hasMessage(
                            "the CAN transport opens slcan:, socketcand:// and candump: addresses,"
                                    + " not \"tcp://h:1\"");
            assertThat(t.buses()).isEmpty();
        }
    }

    @Test
    void sendingMalformedFramesIsRefusedWithTheReason() {
        try (CanTransport t = new CanTransport()) {
            CanLink l = open(t, "candump:/nonexistent.log");
            assertThatThrownBy(() -> l.send(new byte[] {0x23, 0x01, 0, 0, 0, 3, 3, 0, 1}))
                    .hasMessage(
                            "CAN frame at offset 0: CAN frame says len 3, but only 1 data bytes"
                                    + " follow its header");
            // Not started: nothing goes anywhere.
            assertThat(l.send(io.weir.abi.CanFrame.parseCandump("123#00").encode())).isFalse();
        }
    }
}
