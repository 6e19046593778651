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
class SerialReplayTest {
    private static DriverModule module;

    @BeforeAll
    static void load() throws IOException {
        module = HostReplayDriver.load("modbus", DriverSource.bytes("modbus"));
    }

    /** An RTU frame from its hex without CRC. */
    private static String rtu(String hex) {
        byte[] b = HexFormat.of().parseHex(hex);
        int crc = crc16(b, b.length);
        return hex + String.format("%02x%02x", crc & 0xFF, crc >>> 8);
    }

    /** CRC-16/MODBUS (Serial Line §6.2.2) of {@code b[0..n)}, to write test frames. */
    static int crc16(byte[] b, int n) {
        int crc = 0xFFFF;
        for (int i = 0; i < n; i++) {
            crc ^= b[i] & 0xFF;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0xA001 : crc >>> 1;
            }
        }
        return crc;
    }

    private record Run(List<ReplayLine> lines, ReplaySummary summary) {}

    private static Run replay(String text) {
        List<ReplayLine> lines = new ArrayList<>();
        try (HostReplayDriver d = new HostReplayDriver(module, "serial")) {
            ReplaySummary s =
                    new SerialReplay(d, "frames.txt", lines::add)
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
                        l ->
                                l.frame()
                                        + " "
                                        + Long.toHexString(l.key())
                                        + " "
                                        + l.point()
                                        + "="
                                        + l.value().text())
                // The driver's key: slave << 8 | function code.
                .containsExactly(
                        "4 103 holding/10=7",
                        "4 103 holding/11=8",
                        "7 301 coil/0=true",
                        "7 301 coil/1=false",
                        "7 301 coil/2=true");
        assertThat(r.lines())
                .filteredOn(l -> ReplayLine.UNANSWERED.equals(l.kind()))
                .singleElement()
                .satisfies(
                        l -> {
                            assertThat(l.frame()).isEqualTo(5);
                            assertThat(l.key()).isEqualTo(0x0204L);
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
    void framesTheDriverRefusesAreGarbageAndOrphansAreReported() {
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
                                // Another slave answers: its key is not the request's.
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
                        "2 garbage",
                        "1 unanswered",
                        "4 garbage",
                        "3 unanswered",
                        "6 unsolicited",
                        "5 unanswered",
                        "8 skipped",
                        "9 unsolicited");
        // A wrong CRC: the driver's framing refuses the frame (drivers/modbus vectors rtu.json).
        assertThat(r.lines().get(0).error())
                .isEqualTo(
                        "response of 7 bytes: the driver's framing rejects it (weir_frame_len"
                                + " E_RESYNC)");
        assertThat(r.lines().get(2).error())
                .isEqualTo(
                        "response of 6 bytes: the driver's framing rejects it (weir_frame_end"
                                + " E_RESYNC)");
        assertThat(r.lines().get(4).key()).isEqualTo(0x0203L);
        assertThat(r.lines().get(4).error())
                .isEqualTo(
                        "response without a request in the capture (correlation key 0x00000203)");
        assertThat(r.lines().get(6).error())
                .contains("weir_observe -7 E_UNSUPPORTED, request frame 7")
                .contains("function code 8 (diagnostics) is not a read");
        assertThat(r.summary().garbageBytes()).isEqualTo(7 + 6);
    }

    @Test
    void aBroadcastAndARequestToAReservedAddressAreReportedUnanswered() {
        // No slave answers either; nothing here knows slave addresses.
        Run r = replay(rtu("000600010005") + "\n" + rtu("f80300000001") + "\n");
        assertThat(r.lines())
                .extracting(l -> l.frame() + " " + l.kind() + " " + l.error())
                .containsExactly(
                        "1 unanswered request without a response before the next request (line"
                                + " 2)",
                        "2 unanswered request without a response at the end of the file");
    }

    @Test
    void aPointMapDecodesTheConfiguredPointsOnly() {
        List<ReplayLine> lines = new ArrayList<>();
        try (HostReplayDriver d = new HostReplayDriver(module, "serial")) {
            ReplaySummary s =
                    new SerialReplay(
                                    d,
                                    "frames.txt",
                                    lines::add,
                                    "device unit=1\npoint 0 area=holding address=11\n")
                            .replay(
                                    new BufferedReader(
                                            new StringReader(
                                                    rtu("0103000a0002")
                                                            + "\n"
                                                            + rtu("01030400070008")
                                                            + "\n")));
            assertThat(s.failure()).isNull();
        }
        // Point 0 (unnamed: its index) is register 11 of the recorded read of 10..11.
        assertThat(lines)
                .extracting(l -> l.frame() + " " + l.point() + "=" + l.value().text())
                .containsExactly("2 #0=8");
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
            ReplaySummary s = new SerialReplay(d, f.toString(), lines::add).replay(in);
            assertThat(s.failure())
                    .hasMessage(
                            f
                                    + ":1: not text (bytes that are not UTF-8); --rtu reads frames"
                                    + " written in hex, one per line (a pcap goes to --pcap)");
        }
        assertThat(lines).isEmpty();
    }
}
