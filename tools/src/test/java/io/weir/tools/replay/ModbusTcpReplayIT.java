package io.weir.tools.replay;

import static io.weir.tools.capture.Packets.CLIENT;
import static io.weir.tools.capture.Packets.SERVER;
import static io.weir.tools.capture.Packets.ethernet;
import static io.weir.tools.capture.Packets.ipv4Tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.weir.tools.capture.CapturedFrame;
import io.weir.tools.drivers.DriverSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The replay engine on a capture built byte by byte, through the real WASM driver: a request split
 * across two segments that arrive out of order, a retransmitted response, two pipelined requests in
 * one segment, garbage before a frame, an exception, an unanswered request.
 */
class ModbusTcpReplayIT {
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
            summary = new ModbusTcpReplay(d, 502, lines::add).replay(frames);
        }
        List<String> got = lines.stream().map(ReplayLineText::of).toList();
        assertThat(got)
                .containsExactly(
                        "point holding/100=513 good frame 5 unit 1",
                        "point holding/101=65534 good frame 5 unit 1",
                        "garbage 3 bytes frame 8",
                        "point coil/5=true good frame 8 unit 1",
                        "point coil/6=false good frame 8 unit 1",
                        "point coil/7=true good frame 8 unit 1",
                        // ABI.md §6.1 BAD_DEVICE: the value is the exception code.
                        "point input/7=2 bad frame 9 unit 1",
                        "unanswered tid 4 fc 3 frame 10");
        ReplayLine exception = lines.get(6);
        assertThat(exception.error()).contains("exception 2");
        assertThat(lines.get(0).ts()).isEqualTo(1_700_000_000_000L + 5);
        assertThat(lines.get(0).device()).isEqualTo("10.0.0.2:502");
        assertThat(summary.duplicateBytes()).isEqualTo(13);
        assertThat(summary.outOfOrderSegments()).isEqualTo(1);
        assertThat(summary.pairs()).isEqualTo(3);
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
                        + " unit "
                        + l.unit();
            }
            return switch (l.kind()) {
                case ReplayLine.GARBAGE -> "garbage " + l.bytes() + " bytes frame " + l.frame();
                case ReplayLine.UNANSWERED ->
                        "unanswered tid "
                                + l.transactionId()
                                + " fc "
                                + l.functionCode()
                                + " frame "
                                + l.frame();
                default -> l.kind() + " frame " + l.frame() + ": " + l.error();
            };
        }
    }
}
