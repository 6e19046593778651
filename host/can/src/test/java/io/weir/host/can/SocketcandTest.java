package io.weir.host.can;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.abi.CanFrame;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Fixed strings: the examples of socketcand's doc/protocol.md and the forms its daemon's format
 * strings produce (src/state_raw.c: "< frame %03X %ld.%06ld " then "%02X" per byte, "< fdframe %03X
 * %02X %ld.%06ld ", "< error %03X %ld.%06ld >"; sscanf "< %*s %x %hhu %hhx …" for send).
 */
class SocketcandTest {

    private static CanFrame frame(String candump) {
        return CanFrame.parseCandump(candump);
    }

    @Test
    void readsFramesAsTheDaemonAndTheDocumentWriteThem() {
        // doc/protocol.md: "< frame 123 23.424242 11 22 33 44 >"
        assertThat(Socketcand.parse(" frame 123 23.424242 11 22 33 44 "))
                .isEqualTo(new Socketcand.Frame(frame("123#11223344"), 23_424_242));
        // The daemon: the data as one hex string.
        assertThat(Socketcand.parse(" frame 123 23.424242 11223344 "))
                .isEqualTo(new Socketcand.Frame(frame("123#11223344"), 23_424_242));
        assertThat(Socketcand.parse(" frame 18FEF100 1612543138.000100 FF003CFFFFFFFFFF "))
                .isEqualTo(
                        new Socketcand.Frame(
                                frame("18FEF100#FF003CFFFFFFFFFF"), 1_612_543_138_000_100L));
        assertThat(Socketcand.parse(" frame 7FF 0.000001  "))
                .isEqualTo(new Socketcand.Frame(frame("7FF#"), 1));
        // FD: flags are canfd_frame.flags (CANFD_BRS 1, CANFD_ESI 2, CANFD_FDF 4).
        assertThat(Socketcand.parse(" fdframe 123 05 1.5 112233445566778899AABBCC "))
                .isEqualTo(
                        new Socketcand.Frame(frame("123##1112233445566778899AABBCC"), 1_500_000));
        assertThat(Socketcand.parse(" fdframe 00000123 06 1.5 00 "))
                .isEqualTo(new Socketcand.Frame(frame("00000123##200"), 1_500_000));
        // doc/protocol.md: "< rtr 123 23.424242 4 >"
        assertThat(Socketcand.parse(" rtr 123 23.424242 4 "))
                .isEqualTo(new Socketcand.Frame(frame("123#R4"), 23_424_242));
    }

    @Test
    void tellsErrorFramesFromRefusals() {
        assertThat(Socketcand.parse(" error 004 1612543138.000100 "))
                .isEqualTo(new Socketcand.ErrorFrame(4));
        assertThat(Socketcand.parse(" error could not open bus "))
                .isEqualTo(new Socketcand.ErrorText("could not open bus"));
        assertThat(Socketcand.parse(" error unknown command "))
                .isEqualTo(new Socketcand.ErrorText("unknown command"));
        assertThat(Socketcand.parse(" hi ")).isEqualTo(new Socketcand.Hi());
        assertThat(Socketcand.parse(" ok ")).isEqualTo(new Socketcand.Ok());
        assertThat(Socketcand.parse(" echo ")).isEqualTo(new Socketcand.Echo());
    }

    @Test
    void malformedFramesSayWhatIsWrong() {
        assertThat(Socketcand.parse(" frame 12 1.0 00 "))
                .isEqualTo(
                        new Socketcand.Other(
                                " frame 12 1.0 00 ",
                                "identifier \"12\" is not 3 hex digits (11-bit) or 8 (29-bit)"));
        assertThat(Socketcand.parse(" frame 123 1.0 001 "))
                .isEqualTo(
                        new Socketcand.Other(
                                " frame 123 1.0 001 ", "data \"001\" is not whole hex bytes"));
        assertThat(Socketcand.parse(" frame 123 1.0 001122334455667788 "))
                .isEqualTo(
                        new Socketcand.Other(
                                " frame 123 1.0 001122334455667788 ",
                                "9 data bytes in a classic frame"));
        assertThat(Socketcand.parse(" frame 123 soon 00 "))
                .isEqualTo(
                        new Socketcand.Other(
                                " frame 123 soon 00 ", "time \"soon\" is not seconds.micros"));
        assertThat(Socketcand.parse(" fdframe 123 05 1.0 112233445566778899 "))
                .isEqualTo(
                        new Socketcand.Other(
                                " fdframe 123 05 1.0 112233445566778899 ",
                                "9 data bytes is no FD length"));
        assertThat(Socketcand.parse(" stat 1 2 3 4 "))
                .isEqualTo(new Socketcand.Other(" stat 1 2 3 4 ", "not a message of raw mode"));
    }

    @Test
    void writesCommandsTheDaemonReads() {
        // doc/protocol.md: "< send 1AAAAAAA 2 1 F1 >" (the daemon reads each byte with %hhx).
        assertThat(Socketcand.encode(frame("1AAAAAAA#01F1")))
                .isEqualTo("< send 1AAAAAAA 2 01 F1 >");
        assertThat(Socketcand.encode(frame("123#"))).isEqualTo("< send 123 0 >");
        assertThat(Socketcand.encode(frame("123#R0"))).isEqualTo("< sendrtr 123 0 >");
        assertThat(Socketcand.encode(frame("1AAAAAAA#R2"))).isEqualTo("< sendrtr 1AAAAAAA 2 >");
        assertThat(Socketcand.encode(frame("123##1112233445566778899AABBCC")))
                .isEqualTo("< fdsend 123 1 12 11 22 33 44 55 66 77 88 99 AA BB CC >");
    }

    @Test
    void writesFramesAsTheDaemonDoes() {
        assertThat(Socketcand.frameElement(frame("123#11223344"), 23_424_242))
                .isEqualTo("< frame 123 23.424242 11223344 >");
        assertThat(Socketcand.frameElement(frame("123##1112233445566778899AABBCC"), 1_000_000))
                .isEqualTo("< fdframe 123 05 1.000000 112233445566778899AABBCC >");
        assertThat(Socketcand.frameElement(frame("123#R4"), 0)).isEqualTo("< rtr 123 0.000000 4 >");
    }

    @Test
    void theDecoderSplitsElementsAndCountsWhatLiesOutside() {
        Socketcand.Decoder d = new Socketcand.Decoder();
        byte[] b = "< hi >< ok >xx\r\n< frame 123 1.0 00 ><fr".getBytes(StandardCharsets.US_ASCII);
        assertThat(d.feed(b, 0, b.length)).containsExactly(" hi ", " ok ", " frame 123 1.0 00 ");
        assertThat(d.garbage()).isEqualTo(2);
        byte[] rest = "ame 123 1.0 01 >".getBytes(StandardCharsets.US_ASCII);
        assertThat(d.feed(rest, 0, rest.length)).containsExactly("frame 123 1.0 01 ");
        // An element cut short by the next one is garbage.
        byte[] cut = "< frame 12< ok >".getBytes(StandardCharsets.US_ASCII);
        assertThat(d.feed(cut, 0, cut.length)).containsExactly(" ok ");
        assertThat(d.garbage()).isEqualTo(2 + 10);
    }
}
