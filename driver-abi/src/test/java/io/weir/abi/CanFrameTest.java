package io.weir.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class CanFrameTest {

    private static byte[] hex(String h) {
        return HexFormat.of().parseHex(h);
    }

    @Test
    void classicBaseFrameRoundTrips() {
        CanFrame f = CanFrame.parseCandump("7DF#02.01.0D");
        assertThat(f.id()).isEqualTo(0x7DF);
        assertThat(f.extended()).isFalse();
        assertThat(f.dlc()).isEqualTo(3);
        assertThat(f.encode()).isEqualTo(hex("df07000000030300" + "02010d"));
        assertThat(f.toCandump()).isEqualTo("7DF#02010D");
        assertThat(CanFrame.decode(f.encode(), 0, 11)).isEqualTo(f);
    }

    @Test
    void fdLengthsFollowTheDlcTable() {
        assertThat(CanFrame.fdDlcOf(64)).isEqualTo(15);
        assertThat(CanFrame.fdDlcOf(13)).isEqualTo(-1);
        assertThat(CanFrame.dataLength(15, true)).isEqualTo(64);
        assertThat(CanFrame.dataLength(15, false)).isEqualTo(8);
        CanFrame f = CanFrame.parseCandump("1ABCDEF0##3" + "00".repeat(48));
        assertThat(f.dlc()).isEqualTo(14);
        assertThat(f.flags())
                .isEqualTo(
                        CanFrame.Flag.EXT.mask()
                                | CanFrame.Flag.FDF.mask()
                                | CanFrame.Flag.BRS.mask()
                                | CanFrame.Flag.ESI.mask());
        assertThat(f.toCandump()).isEqualTo("1ABCDEF0##3" + "00".repeat(48));
        assertThatThrownBy(() -> CanFrame.parseCandump("123##0" + "00".repeat(13)))
                .hasMessageContaining("13 data bytes is no FD length");
    }

    @Test
    void classicDlcAboveEightCarriesEightBytes() {
        CanFrame f = new CanFrame(0x10, 0, 12, new byte[8]);
        assertThat(f.encode()).isEqualTo(hex("1000000000080c00" + "00".repeat(8)));
        assertThatThrownBy(f::toCandump).hasMessageContaining("dlc 12 is not supported");
        assertThatThrownBy(() -> new CanFrame(0x10, 0, 12, new byte[7]))
                .hasMessageContaining("carries 8 data bytes, not 7");
    }

    @Test
    void refusesFramesThatBreakSection64() {
        assertThatThrownBy(() -> CanFrame.classic(0x800, false, new byte[0]))
                .hasMessageContaining("does not fit 11 bits");
        assertThatThrownBy(() -> CanFrame.classic(0x2000_0000, true, new byte[0]))
                .hasMessageContaining("does not fit 29 bits");
        assertThatThrownBy(() -> new CanFrame(1, 0x20, 0, new byte[0]))
                .hasMessageContaining("0x20 have bits that ABI §6.4 does not define");
        assertThatThrownBy(() -> new CanFrame(1, 0x06, 0, new byte[0]))
                .hasMessageContaining("no remote form");
        assertThatThrownBy(() -> new CanFrame(1, 0x08, 0, new byte[0]))
                .hasMessageContaining("only on FD frames");
        assertThatThrownBy(() -> new CanFrame(1, 0x02, 4, new byte[4]))
                .hasMessageContaining("remote frame with dlc 4 carries 0 data bytes, not 4");
        assertThatThrownBy(() -> CanFrame.decode(hex("0100000000020200aa"), 0, 9))
                .hasMessageContaining("only 1 data bytes follow");
        assertThatThrownBy(() -> CanFrame.decode(hex("0100002000000000"), 0, 8))
                .hasMessageContaining("bits 29-31 set");
        assertThatThrownBy(() -> CanFrame.decode(hex("0100000000000001"), 0, 8))
                .hasMessageContaining("byte 7 is reserved");
        assertThatThrownBy(() -> CanFrame.decode(hex("01000000"), 0, 4))
                .hasMessageContaining("8-byte header, 4 bytes given");
    }

    @Test
    void candumpMistakesAreNamed() {
        assertThatThrownBy(() -> CanFrame.parseCandump("123")).hasMessageContaining("has no '#'");
        assertThatThrownBy(() -> CanFrame.parseCandump("1234#00"))
                .hasMessageContaining("3 hex digits (11-bit) or 8 (29-bit)");
        assertThatThrownBy(() -> CanFrame.parseCandump("12G#00"))
                .hasMessageContaining("\"12G\" is not hexadecimal");
        assertThatThrownBy(() -> CanFrame.parseCandump("123#0"))
                .hasMessageContaining("not whole hex bytes");
        assertThatThrownBy(() -> CanFrame.parseCandump("123#001122334455667788"))
                .hasMessageContaining("at most 8 data bytes, not 9");
        assertThatThrownBy(() -> CanFrame.parseCandump("123#R9"))
                .hasMessageContaining("one length digit 0-8");
        assertThatThrownBy(() -> CanFrame.parseCandump("123#1122334455667788_C"))
                .hasMessageContaining("'_'");
        assertThatThrownBy(() -> CanFrame.parseCandump("123##8"))
                .hasMessageContaining("bits other than 1, 2, 4");
        assertThat(CanFrame.parseCandump("321#R").dlc()).isZero();
        assertThat(CanFrame.parseCandump("321#").data()).isEmpty();
    }

    @Test
    void framesBackToBackInTx() {
        byte[] tx = new byte[40];
        byte[] a = CanFrame.parseCandump("18EA00F9#E1FE00").encode();
        byte[] b = CanFrame.parseCandump("321#R4").encode();
        System.arraycopy(a, 0, tx, 5, a.length);
        System.arraycopy(b, 0, tx, 5 + a.length, b.length);
        List<CanFrame> frames = CanFrame.decodeAll(tx, 5, a.length + b.length);
        assertThat(frames)
                .extracting(CanFrame::toCandump)
                .containsExactly("18EA00F9#E1FE00", "321#R4");
        assertThatThrownBy(() -> CanFrame.decodeAll(tx, 5, a.length + 3))
                .hasMessageContaining("CAN frame at offset " + a.length);
    }
}
