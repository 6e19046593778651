package io.weir.host.can;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.abi.CanFrame;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Fixed strings from the specs: the examples of the CANable 2.0 command list
 * (Nakakiyo092/canable2-fw doc/1.-Command-List.md), the Lawicel frame format, and ABI.md §6.4's
 * byte examples.
 */
class SlcanTest {

    private static CanFrame frame(String candump) {
        return CanFrame.parseCandump(candump);
    }

    @Test
    void encodesTheCommandListsExamples() {
        // "t10020011: ID = 0x100 and 2 data bytes with the values 0x00 and 0x11"
        assertThat(Slcan.encode(frame("100#0011"))).isEqualTo("t10020011\r");
        // "T0000010020011: ID = 0x00000100 and 2 data bytes"
        assertThat(Slcan.encode(frame("00000100#0011"))).isEqualTo("T0000010020011\r");
        // "d200900112233445566778899AABB: CAN FD data frame with ID = 0x200 and 12 data bytes"
        assertThat(Slcan.encode(frame("200##000112233445566778899AABB")))
                .isEqualTo("d200900112233445566778899AABB\r");
        assertThat(Slcan.encode(frame("00000200##100112233445566778899AABB")))
                .isEqualTo("B00000200900112233445566778899AABB\r");
        // Remote frames: "riiil".
        assertThat(Slcan.encode(frame("321#R4"))).isEqualTo("r3214\r");
        assertThat(Slcan.encode(new CanFrame(0x100, 0x02, 15, new byte[0]))).isEqualTo("r100F\r");
    }

    @Test
    void encodesTheAbiExamples() {
        // ABI.md §6.4: J1939 CCVS and the FD frame with bit rate switch.
        assertThat(Slcan.encode(frame("18FEF100#FF003CFFFFFFFFFF")))
                .isEqualTo("T18FEF1008FF003CFFFFFFFFFF\r");
        assertThat(Slcan.encode(frame("123##1112233445566778899AABBCC")))
                .isEqualTo("b1239112233445566778899AABBCC\r");
        // ESI is the transmitter's state: not something a driver can send.
        assertThat(Slcan.encode(frame("123##3112233445566778899AABBCC")))
                .isEqualTo("b1239112233445566778899AABBCC\r");
    }

    @Test
    void aClassicFrameWithALengthCodeAbove8CannotBeWritten() {
        CanFrame f = new CanFrame(0x123, 0, 12, new byte[8]);
        assertThatThrownBy(() -> Slcan.encode(f))
                .hasMessageStartingWith("slcan cannot send a classic frame with length code 12");
    }

    @Test
    void parsesFramesWithAndWithoutTimestamps() {
        assertThat(Slcan.parse("t10020011")).isEqualTo(new Slcan.Received(frame("100#0011")));
        // Lawicel Z1: 4 hex digits of milliseconds; the CANable extension's Z2: 8 of µs.
        assertThat(Slcan.parse("T1111222281122334455667788EA5F"))
                .isEqualTo(new Slcan.Received(frame("11112222#1122334455667788")));
        assertThat(Slcan.parse("t10020011000F4240"))
                .isEqualTo(new Slcan.Received(frame("100#0011")));
        assertThat(Slcan.parse("d200900112233445566778899AABB"))
                .isEqualTo(new Slcan.Received(frame("200##000112233445566778899AABB")));
        assertThat(Slcan.parse("B00000200900112233445566778899AABB"))
                .isEqualTo(new Slcan.Received(frame("00000200##100112233445566778899AABB")));
        assertThat(Slcan.parse("r3214")).isEqualTo(new Slcan.Received(frame("321#R4")));
        assertThat(Slcan.parse("R12345678F"))
                .isEqualTo(new Slcan.Received(new CanFrame(0x12345678, 0x03, 15, new byte[0])));
        assertThat(Slcan.parse("t1230")).isEqualTo(new Slcan.Received(frame("123#")));
    }

    @Test
    void readsAnswers() {
        assertThat(Slcan.parse("")).isEqualTo(new Slcan.Ok());
        assertThat(Slcan.parse("z")).isEqualTo(new Slcan.Transmitted());
        assertThat(Slcan.parse("Z")).isEqualTo(new Slcan.Transmitted());
        assertThat(Slcan.parse("FA4")).isEqualTo(new Slcan.Status(0xA4));
        assertThat(Slcan.parse("V1013")).isEqualTo(new Slcan.Reply("V1013"));
    }

    @Test
    void everythingElseIsGarbageThatSaysWhy() {
        assertThat(Slcan.parse("t12"))
                .isEqualTo(new Slcan.Garbage("t12", "identifier or length code is not hex"));
        assertThat(Slcan.parse("t1239112233445566778899AABBCC"))
                .isEqualTo(
                        new Slcan.Garbage(
                                "t1239112233445566778899AABBCC",
                                "a classic frame's length code is 0-8"));
        assertThat(Slcan.parse("t123211"))
                .isEqualTo(new Slcan.Garbage("t123211", "length code 2 means 2 data bytes"));
        assertThat(Slcan.parse("t1232XYZW"))
                .isEqualTo(new Slcan.Garbage("t1232XYZW", "data is not hex"));
        assertThat(Slcan.parse("t8002AABB"))
                .isInstanceOf(Slcan.Garbage.class)
                .extracting(m -> ((Slcan.Garbage) m).why())
                .asString()
                .contains("does not fit 11 bits");
        assertThat(Slcan.parse("hello"))
                .isEqualTo(new Slcan.Garbage("hello", "no slcan message starts with this"));
        assertThat(Slcan.parse("F1")).isInstanceOf(Slcan.Garbage.class);
    }

    @Test
    void theDecoderSplitsLinesAndBells() {
        Slcan.Decoder d = new Slcan.Decoder();
        byte[] stream = "\rz\rt1230\u0007t10020011\r\nT0000".getBytes(StandardCharsets.ISO_8859_1);
        List<Slcan.Message> m = d.feed(stream);
        assertThat(m)
                .containsExactly(
                        new Slcan.Ok(),
                        new Slcan.Transmitted(),
                        new Slcan.Garbage("t1230", "cut by BEL"),
                        new Slcan.Refused(),
                        new Slcan.Received(frame("100#0011")));
        assertThat(d.pending()).isEqualTo(5);
        assertThat(d.feed("01000\r".getBytes(StandardCharsets.ISO_8859_1)))
                .containsExactly(new Slcan.Received(frame("00000100#")));
        byte[] longLine = new byte[400];
        java.util.Arrays.fill(longLine, (byte) 'A');
        List<Slcan.Message> g = d.feed(longLine);
        assertThat(g).isEmpty();
        List<Slcan.Message> end = d.feed("\rt1230\r".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(end.get(0)).isInstanceOf(Slcan.Garbage.class);
        assertThat(((Slcan.Garbage) end.get(0)).why()).isEqualTo("longer than any slcan message");
        assertThat(end.get(1)).isEqualTo(new Slcan.Received(frame("123#")));
    }

    @Test
    void bitrateCommands() {
        assertThat(Slcan.bitrateCommand(500_000)).isEqualTo("S6");
        assertThat(Slcan.bitrateCommand(10_000)).isEqualTo("S0");
        assertThat(Slcan.bitrateCommand(1_000_000)).isEqualTo("S8");
        assertThat(Slcan.bitrateOf("S5")).isEqualTo(250_000);
        assertThat(Slcan.bitrateOf("S9")).isEqualTo(-1);
        assertThat(Slcan.dataBitrateCommand(2_000_000)).isEqualTo("Y2");
        assertThat(Slcan.dataBitrateCommand(8_000_000)).isEqualTo("Y8");
        assertThatThrownBy(() -> Slcan.bitrateCommand(83_333))
                .hasMessageStartingWith("bitrate 83333 has no slcan code (S0-S8: 10000,");
        assertThatThrownBy(() -> Slcan.dataBitrateCommand(3_000_000))
                .hasMessageStartingWith("databitrate 3000000 has no slcan code");
    }
}
