package io.weir.tools.replay;

import static io.weir.tools.capture.Packets.CLIENT;
import static io.weir.tools.capture.Packets.SERVER;
import static io.weir.tools.capture.Packets.ethernet;
import static io.weir.tools.capture.Packets.ipv4Tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.weir.host.driver.DriverSource;
import io.weir.tools.capture.CapturedFrame;
import io.weir.tools.capture.TcpReassembler;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The replay engine on a capture built byte by byte, through the real WASM driver: a request split
 * across two segments that arrive out of order, a retransmitted response, two pipelined requests in
 * one segment, garbage before a frame, an exception, an unanswered request.
 */
class TcpReplayIT {
    private static final HexFormat HEX = HexFormat.of();
    private final List<CapturedFrame> frames = new ArrayList<>();
    private long clientSeq = 1000;
    private long serverSeq = 5000;

    private void client(long seq, String hex) {
        frame(ipv4Tcp(CLIENT, 40001, SERVER, 502, seq, serverSeq, 0x18, HEX.parseHex(hex)));
    }

    private void server(long seq, String hex) {
        frame(ipv4Tcp(SERVER, 502, CLIENT, 40001, seq, clientSeq, 0x18, HEX.parseHex(hex)));
    }

    private void frame(byte[] ip) {
        byte[] eth = ethernet(0x0800, ip);
        int n = frames.size() + 1;
        frames.add(
                new CapturedFrame(
                        n, 1_700_000_000_000_000_000L + n * 1_000_000L, 1, eth, eth.length));
    }

    @Test
    void replaysThroughTheDriverWhateverTcpDid() throws Exception {
        // 1-2: the handshake fixes both initial sequence numbers.
        frame(ipv4Tcp(CLIENT, 40001, SERVER, 502, clientSeq - 1, 0, 0x02, new byte[0]));
        frame(ipv4Tcp(SERVER, 502, CLIENT, 40001, serverSeq - 1, clientSeq, 0x12, new byte[0]));
        // 3-4: read holding 100..101 (tid 1), second half first.
        client(clientSeq + 6, "01030064" + "0002");
        client(clientSeq, "000100000006");
        clientSeq += 12;
        // 5-6: the response, then its retransmission.
        server(serverSeq, "000100000007010304" + "0201" + "fffe");
        server(serverSeq, "000100000007010304" + "0201" + "fffe");
        serverSeq += 13;
        // 7: two pipelined requests: coils 5..7 (tid 2) and input 7 (tid 3).
        client(clientSeq, "000200000006010100050003" + "000300000006010400070001");
        clientSeq += 24;
        // 8: three garbage bytes, then the coil response (bits 1,0,1); 9: input exception 2.
        server(serverSeq, "ffffff" + "000200000004010101" + "05");
        serverSeq += 13;
        server(serverSeq, "000300000003018402");
        serverSeq += 9;
        // 10: a request nobody answers.
        client(clientSeq, "000400000006010300000001");

        List<ReplayLine> lines = new ArrayList<>();
        ReplaySummary summary;
        String driver = System.getProperty("weir.driver.modbus", "modbus");
        try (HostReplayDriver d =
                new HostReplayDriver(HostReplayDriver.load(driver, DriverSource.bytes(driver)))) {
            summary = new TcpReplay(d, 502, lines::add).replay(frames);
        }
        List<String> got = lines.stream().map(ReplayLineText::of).toList();
        assertThat(got)
                .containsExactly(
                        "point holding/100=513 good frame 5 key 0x00010103",
                        "point holding/101=65534 good frame 5 key 0x00010103",
                        "garbage 3 bytes frame 8",
                        "point coil/5=true good frame 8 key 0x00020101",
                        "point coil/6=false good frame 8 key 0x00020101",
                        "point coil/7=true good frame 8 key 0x00020101",
                        // ABI.md §6.1 BAD_DEVICE: the value is the exception code.
                        "point input/7=2 bad frame 9 key 0x00030104",
                        "unanswered key 0x00040103 frame 10");
        ReplayLine exception = lines.get(6);
        assertThat(exception.error()).contains("exception 2");
        assertThat(lines.get(0).ts()).isEqualTo(1_700_000_000_000L + 5);
        assertThat(lines.get(0).device()).isEqualTo("10.0.0.2:502");
        assertThat(summary.duplicateBytes()).isEqualTo(13);
        assertThat(summary.outOfOrderSegments()).isEqualTo(1);
        assertThat(summary.pairs()).isEqualTo(3);
    }

    @Test
    void whatReplayCannotKeepIsReportedNotKept() throws Exception {
        // Three requests nobody answers yet, with room for two: the oldest (frame 1) is given up
        // when the third comes.
        client(clientSeq, "000100000006010300000001");
        clientSeq += 12;
        client(clientSeq, "000200000006010300010001");
        clientSeq += 12;
        client(clientSeq, "000300000006010300020001");
        clientSeq += 12;
        // 4: the late answer to the first is now unsolicited; 5: the second is answered.
        server(serverSeq, "000100000005010302" + "0007");
        serverSeq += 11;
        server(serverSeq, "000200000005010302" + "0008");
        serverSeq += 11;
        // 6-7: a response segment lost, then 20 bytes held behind the hole: past the 16-byte
        // limit the hole is given up and the held bytes are framed.
        serverSeq += 11;
        server(serverSeq, "000300000005010302" + "0009");
        server(serverSeq + 11, "000400000005010302");
        // 8-9: a new SYN on the same ports ends the connection; its unfinished frame and the
        // request left waiting are reported then.
        frame(ipv4Tcp(CLIENT, 40001, SERVER, 502, 90000, 0, 0x02, new byte[0]));
        frame(
                ipv4Tcp(
                        CLIENT,
                        40001,
                        SERVER,
                        502,
                        90001,
                        0,
                        0x18,
                        HEX.parseHex("0009000000060103")));

        List<ReplayLine> lines = new ArrayList<>();
        String driver = System.getProperty("weir.driver.modbus", "modbus");
        ReplaySummary summary;
        try (HostReplayDriver d =
                new HostReplayDriver(HostReplayDriver.load(driver, DriverSource.bytes(driver)))) {
            summary =
                    new TcpReplay(
                                    d,
                                    502,
                                    lines::add,
                                    new TcpReassembler.Limits(8, 16, 1 << 20),
                                    2,
                                    "device\n")
                            .replay(frames);
        }
        List<String> got =
                lines.stream().map(l -> ReplayLineText.of(l) + " | " + l.error()).toList();
        assertThat(got)
                .containsExactly(
                        "unanswered key 0x00010103 frame 1 | no response while 2 later requests were"
                                + " waiting for theirs (the most replay keeps); given up",
                        "unsolicited frame 4: response without a request in the capture"
                                + " (correlation key 0x00010103) | response without a request"
                                + " in the capture (correlation key 0x00010103)",
                        "point holding/1=8 good frame 5 key 0x00020103 | null",
                        "gap frame 6: 11 bytes from the server are missing; given up because more"
                                + " data waited behind them than reassembly holds (16 bytes per"
                                + " direction, 1048576 in all) | 11 bytes from the server are"
                                + " missing; given up because more data waited behind them than"
                                + " reassembly holds (16 bytes per direction, 1048576 in all)",
                        "point holding/2=9 good frame 6 key 0x00030103 | null",
                        "garbage 9 bytes frame 7 | connection ends inside a frame (a new"
                                + " connection reuses its ports): 9 bytes from the server never"
                                + " completed",
                        "garbage 8 bytes frame 9 | capture ends inside a frame: 8 bytes from the"
                                + " client never completed");
        assertThat(summary.connections()).isEqualTo(2);
        assertThat(summary.gaps()).isEqualTo(1);
        assertThat(summary.unanswered()).isEqualTo(1);
        assertThat(summary.pairs()).isEqualTo(2);
    }

    /** A short text per line, so the expectation above reads as the output would. */
    private static final class ReplayLineText {
        static String of(ReplayLine l) {
            if (l.isPoint()) {
                return "point "
                        + l.point()
                        + "="
                        + l.value().text()
                        + " "
                        + l.quality()
                        + " frame "
                        + l.frame()
                        + " key "
                        + key(l);
            }
            return switch (l.kind()) {
                case ReplayLine.GARBAGE -> "garbage " + l.bytes() + " bytes frame " + l.frame();
                case ReplayLine.UNANSWERED -> "unanswered key " + key(l) + " frame " + l.frame();
                default -> l.kind() + " frame " + l.frame() + ": " + l.error();
            };
        }

        /** The Modbus TCP key (transaction id, unit id, function code) in hex. */
        static String key(ReplayLine l) {
            return l.key() == null ? "none" : String.format("0x%08x", l.key());
        }
    }
}
