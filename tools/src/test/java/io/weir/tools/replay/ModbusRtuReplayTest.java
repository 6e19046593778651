package io.weir.tools.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code weir replay --rtu} line by line against the bundled driver: pairing by order with and
 * without direction columns, bad CRCs, frames only silence ends, cut frames, another slave's answer
 * refused in the driver's words, broadcasts, orphans, and a line that is not hex.
 */
class ModbusRtuReplayTest {
    private static DriverModule module;

    @BeforeAll
    static void load() throws IOException {
        module = HostReplayDriver.load("modbus", DriverSource.bytes("modbus"));
    }

    /** An RTU frame from its hex without CRC. */
    private static String rtu(String hex) {
        byte[] b = HexFormat.of().parseHex(hex);
        int crc = ModbusRtuReplay.crc16(b, b.length);
        return hex + String.format("%02x%02x", crc & 0xFF, crc >>> 8);
    }

    private record Run(List<ReplayLine> lines, ReplaySummary summary) {}

    private static Run replay(String text) {
        List<ReplayLine> lines = new ArrayList<>();
        try (HostReplayDriver d = new HostReplayDriver(module, "serial")) {
            ReplaySummary s =
                    new ModbusRtuReplay(d, "frames.txt", lines::add)
                            .replay(new BufferedReader(new StringReader(text)));
            return new Run(lines, s);
        }
    }

    @Test
    void crcOfARealFrame() {
        // sigrok-dumps brainchild-io-16do line 2: CRC 0x0dca on the wire, low byte first.
        assertThat(rtu("010100030001")).isEqualTo("0101000300010dca");
    }

    @Test
    void plainHexLinesPairByOrderAndSlave() {
        Run r =
                replay(
                        "# a comment\n\n"
                                + rtu("0103000a0002")
                                + "\n"
                                // The response written byte by byte.
                                + rtu("01030400070008").replaceAll("(..)", "$1 ").strip()
                                + "\r\n"
                                // A request nobody answers, then another slave's exchange.
                                + rtu("0204000000 01".replace(" ", ""))
                                + "\n"
                                + rtu("030100000003")
                                + "\n"
                                + rtu("03010105")
                                + "\n");
        assertThat(r.summary().failure()).isNull();
        List<ReplayLine> points = r.lines().stream().filter(ReplayLine::isPoint).toList();
        assertThat(points)
                .extracting(
                        l -> l.frame() + " " + l.unit() + " " + l.point() + "=" + l.value().text())
                .containsExactly(
                        "4 1 holding/10=7",
                        "4 1 holding/11=8",
                        "7 3 coil/0=true",
                        "7 3 coil/1=false",
                        "7 3 coil/2=true");
        assertThat(r.lines())
                .filteredOn(l -> ReplayLine.UNANSWERED.equals(l.kind()))
                .singleElement()
                .satisfies(
                        l -> {
                            assertThat(l.frame()).isEqualTo(5);
                            assertThat(l.unit()).isEqualTo(2);
                            assertThat(l.functionCode()).isEqualTo(4);
                            assertThat(l.error())
                                    .isEqualTo(
                                            "request without a response before the next request"
                                                    + " (line 6)");
                        });
        assertThat(r.summary().toMap())
                .containsEntry("frames", 5L)
                .containsEntry("pairs", 2L)
                .containsEntry("points", 5L)
                .containsEntry("unanswered", 1L)
                .doesNotContainKey("tcp_segments");
    }

    @Test
    void badCrcIsALineNeverAPointAndBrokenFramesAreGarbage() {
        String good = rtu("0103020102");
        String bad = good.substring(0, good.length() - 4) + "0000";
        Run r =
                replay(
                        "1 cs req ok "
                                + rtu("010300000001")
                                + "\n"
                                + "2 sc resp bad "
                                + bad
                                + "\n"
                                + "3 cs req ok "
                                + rtu("010300000001")
                                + "\n"
                                // Cut short: the byte count announces two bytes, one came.
                                + "4 sc resp ok "
                                + rtu("01030201")
                                + "\n"
                                + "5 cs req ok "
                                + rtu("010300000001")
                                + "\n"
                                // Another slave answers: the driver refuses it in its words.
                                + "6 sc resp ok "
                                + rtu("0203020005")
                                + "\n"
                                // FC8 has no length in its PDU: the line's end ends it
                                // (weir_frame_end); the driver does not decode diagnostics.
                                + "7 cs req ok "
                                + rtu("010800001234")
                                + "\n"
                                + "8 sc resp ok "
                                + rtu("010800001234")
                                + "\n"
                                // A response with nothing before it.
                                + "9 sc resp ok "
                                + good
                                + "\n");
        assertThat(r.summary().failure()).isNull();
        assertThat(r.lines().stream().filter(ReplayLine::isPoint)).isEmpty();
        assertThat(r.lines())
                .extracting(l -> l.frame() + " " + l.kind())
                .containsExactly(
                        "2 bad_crc",
                        "1 unanswered",
                        "4 garbage",
                        "3 unanswered",
                        "6 skipped",
                        "8 skipped",
                        "9 unsolicited");
        assertThat(r.lines().get(0).error())
                .startsWith("response with CRC 0x0000, 0x")
                .endsWith("computed over its bytes: line noise, not decoded");
        assertThat(r.lines().get(2).error())
                .isEqualTo(
                        "response of 6 bytes: the driver's framing rejects it (weir_frame_end"
                                + " E_RESYNC)");
        assertThat(r.lines().get(4).error())
                .contains("(weir_on_frame -5)")
                .endsWith("slave id 2 does not match the outstanding request's slave 1");
        assertThat(r.lines().get(5).error())
                .contains("function code 8 (diagnostics) is not a read");
        assertThat(r.summary().badCrc()).isEqualTo(1);
        assertThat(r.summary().garbageBytes()).isEqualTo(7 + 6);
    }

    @Test
    void broadcastsAndReservedAddressesAreReportedNotPaired() {
        Run r = replay(rtu("000600010005") + "\n" + rtu("f80300000001") + "\n");
        assertThat(r.lines())
                .extracting(l -> l.frame() + " " + l.kind() + " " + l.error())
                .containsExactly(
                        "1 skipped broadcast request (slave 0): no slave answers it, nothing to"
                                + " decode",
                        "2 skipped request to slave 248, a reserved address (1..247 are slaves):"
                                + " nothing to decode");
    }

    @Test
    void aLineThatIsNotHexStopsTheReplayNamingFileAndLine() {
        Run r =
                replay(
                        rtu("010300000001")
                                + "\n"
                                + rtu("0103020007")
                                + "\nzz0103\n"
                                + rtu("010300000001"));
        assertThat(r.summary().failure())
                .hasMessage(
                        "frames.txt:3: \"zz0103\" is not a frame in hex (two hex digits per byte,"
                                + " CRC included)");
        // What came before is decoded and counted.
        assertThat(r.summary().points()).isEqualTo(1);
        assertThat(r.summary().frames()).isEqualTo(2);

        assertThat(replay("0103 abc\n").summary().failure())
                .hasMessage(
                        "frames.txt:1: has 2 columns but none says req or resp (the direction of"
                                + " the frame in the last column)");
        assertThat(replay("010\n").summary().failure())
                .hasMessageContaining("frames.txt:1: \"010\" is not a frame in hex");
        assertThat(replay("1 req resp 0103\n").summary().failure())
                .hasMessage("frames.txt:1: has both a req and a resp column");
        // Digits of other scripts are not hex digits.
        assertThat(replay("\u0661\u0662\n").summary().failure())
                .hasMessageContaining("is not a frame in hex");
    }

    @Test
    void aBinaryFileIsOneLineSayingItIsNotText() throws IOException {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("capture", ".pcap");
        java.nio.file.Files.write(
                f, new byte[] {(byte) 0xd4, (byte) 0xc3, (byte) 0xb2, (byte) 0xa1, 2, 0, 4, 0});
        List<ReplayLine> lines = new ArrayList<>();
        try (HostReplayDriver d = new HostReplayDriver(module, "serial");
                BufferedReader in = java.nio.file.Files.newBufferedReader(f)) {
            ReplaySummary s = new ModbusRtuReplay(d, f.toString(), lines::add).replay(in);
            assertThat(s.failure())
                    .hasMessage(
                            f
                                    + ":1: not text (bytes that are not UTF-8); --rtu reads frames"
                                    + " written in hex, one per line (a pcap goes to --pcap)");
        }
        assertThat(lines).isEmpty();
    }
}
