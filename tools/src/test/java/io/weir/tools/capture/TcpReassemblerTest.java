package io.weir.tools.capture;

import static io.weir.tools.capture.Packets.CLIENT;
import static io.weir.tools.capture.Packets.SERVER;
import static org.assertj.core.api.Assertions.assertThat;

import io.weir.tools.capture.TcpSegment.Endpoint;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TcpReassemblerTest {
    private final ByteArrayOutputStream fromClient = new ByteArrayOutputStream();
    private final ByteArrayOutputStream fromServer = new ByteArrayOutputStream();
    private final List<Integer> clientFrames = new ArrayList<>();
    private final List<String> gaps = new ArrayList<>();
    private final List<String> ended = new ArrayList<>();
    private final List<TcpReassembler.Connection> seen = new ArrayList<>();

    private final TcpReassembler.Listener listener =
            new TcpReassembler.Listener() {
                @Override
                public void onData(
                        TcpReassembler.Connection c,
                        Endpoint from,
                        byte[] data,
                        int off,
                        int len,
                        int frame,
                        long epochNanos) {
                    if (!seen.contains(c)) {
                        seen.add(c);
                    }
                    if (from.port() == 502) {
                        fromServer.write(data, off, len);
                    } else {
                        fromClient.write(data, off, len);
                        for (int i = 0; i < len; i++) {
                            clientFrames.add(frame);
                        }
                    }
                }

                @Override
                public void onGap(
                        TcpReassembler.Connection c, Endpoint from, TcpReassembler.Gap gap) {
                    gaps.add(gap.missing() + "@" + gap.frame() + (gap.overLimit() ? "!" : ""));
                }

                @Override
                public void onEnd(TcpReassembler.Connection c, TcpReassembler.End why) {
                    ended.add(c.id() + " " + why);
                }
            };

    private final TcpReassembler r = new TcpReassembler(listener);

    private static TcpSegment seg(int frame, long seq, int flags, String data) {
        return new TcpSegment(
                CLIENT, 40000, SERVER, 502, seq & 0xFFFFFFFFL, 0, flags, data.getBytes(), frame, 0);
    }

    private static TcpSegment ack(int frame, long ack) {
        return new TcpSegment(
                SERVER,
                502,
                CLIENT,
                40000,
                5000,
                ack & 0xFFFFFFFFL,
                TcpSegment.ACK,
                new byte[0],
                frame,
                0);
    }

    @Test
    void outOfOrderSegmentsAreHeldUntilTheHoleFills() {
        r.accept(seg(1, 99, TcpSegment.SYN, ""));
        r.accept(seg(2, 100, 0x18, "abc"));
        r.accept(seg(3, 106, 0x18, "ghi")); // ahead of the hole at 103
        assertThat(fromClient.toString()).isEqualTo("abc");
        r.accept(seg(4, 103, 0x18, "def"));
        assertThat(fromClient.toString()).isEqualTo("abcdefghi");
        assertThat(clientFrames).containsExactly(2, 2, 2, 4, 4, 4, 3, 3, 3);
        assertThat(seen.get(0).outOfOrderSegments()).isEqualTo(1);
        assertThat(gaps).isEmpty();
    }

    @Test
    void retransmissionsAndOverlapsAreDeliveredOnceFirstCopyWins() {
        r.accept(seg(1, 1000, 0x18, "abcd"));
        r.accept(seg(2, 1000, 0x18, "abcd")); // pure retransmission
        r.accept(seg(3, 1002, 0x18, "XXef")); // overlaps "cd", adds "ef"
        r.accept(seg(4, 1001, 0x18, "b")); // old byte
        assertThat(fromClient.toString()).isEqualTo("abcdef");
        assertThat(clientFrames).containsExactly(1, 1, 1, 1, 3, 3);
        assertThat(seen.get(0).duplicateBytes()).isEqualTo(4 + 2 + 1);
    }

    @Test
    void sequenceNumbersWrapAround() {
        r.accept(seg(1, 0xFFFFFFFEL, 0x18, "ab"));
        r.accept(seg(2, 2, 0x18, "ef"));
        r.accept(seg(3, 0, 0x18, "cd"));
        assertThat(fromClient.toString()).isEqualTo("abcdef");
    }

    @Test
    void aHoleThePeerAcknowledgedIsGivenUp() {
        r.accept(seg(1, 1, 0x18, "abc"));
        r.accept(seg(2, 8, 0x18, "hij")); // bytes 4..7 never captured
        assertThat(fromClient.toString()).isEqualTo("abc");
        r.accept(ack(3, 11)); // the server got everything up to 11
        assertThat(fromClient.toString()).isEqualTo("abchij");
        assertThat(gaps).containsExactly("4@3");
    }

    @Test
    void finishGivesUpHolesLeftAtTheEnd() {
        r.accept(seg(1, 1, 0x18, "abc"));
        r.accept(seg(2, 10, 0x18, "xyz"));
        r.finish();
        assertThat(fromClient.toString()).isEqualTo("abcxyz");
        assertThat(gaps).containsExactly("6@2");
    }

    @Test
    void bothDirectionsShareOneConnectionAndANewSynStartsAnother() {
        r.accept(seg(1, 10, TcpSegment.SYN, ""));
        r.accept(
                new TcpSegment(
                        SERVER,
                        502,
                        CLIENT,
                        40000,
                        500,
                        11,
                        TcpSegment.SYN | TcpSegment.ACK,
                        new byte[0],
                        2,
                        0));
        r.accept(seg(3, 11, 0x18, "req"));
        r.accept(
                new TcpSegment(SERVER, 502, CLIENT, 40000, 501, 14, 0x18, "resp".getBytes(), 4, 0));
        assertThat(fromServer.toString()).isEqualTo("resp");
        assertThat(r.connectionCount()).isEqualTo(1);
        TcpReassembler.Connection c = seen.get(0);
        assertThat(c.server(502).port()).isEqualTo(502);
        assertThat(c.server(9999).toString()).isEqualTo("10.0.0.2:502"); // the SYN's receiver
        r.accept(seg(5, 90000, TcpSegment.SYN, ""));
        r.accept(seg(6, 90001, 0x18, "again"));
        assertThat(r.connectionCount()).isEqualTo(2);
        assertThat(ended).containsExactly("0 PORTS_REUSED");
        assertThat(fromClient.toString()).isEqualTo("reqagain");
        r.finish();
        assertThat(ended).containsExactly("0 PORTS_REUSED", "1 CAPTURE_END");
        assertThat(r.openConnections()).isZero();
    }

    private static TcpSegment from(int port, int frame, long seq, String data) {
        return new TcpSegment(
                CLIENT, port, SERVER, 502, seq & 0xFFFFFFFFL, 0, 0x18, data.getBytes(), frame, 0);
    }

    @Test
    void bytesHeldPastTheDirectionLimitGiveUpTheHole() {
        TcpReassembler small =
                new TcpReassembler(listener, new TcpReassembler.Limits(16, 10, 1000));
        small.accept(seg(1, 1, 0x18, "abc"));
        small.accept(seg(2, 10, 0x18, "0123456")); // bytes 4..9 missing; 7 held
        assertThat(small.heldBytes()).isEqualTo(7);
        small.accept(seg(3, 17, 0x18, "7890")); // 11 held > 10: the hole is given up
        assertThat(gaps).containsExactly("6@2!");
        assertThat(fromClient.toString()).isEqualTo("abc01234567890");
        assertThat(small.heldBytes()).isZero();
        small.accept(seg(4, 4, 0x18, "defghi")); // the late filler is old news now
        assertThat(fromClient.toString()).isEqualTo("abc01234567890");
        assertThat(seen.get(0).duplicateBytes()).isEqualTo(6);
    }

    @Test
    void bytesHeldPastTheTotalLimitGiveUpTheHoleOfTheDirectionThatGrew() {
        TcpReassembler small = new TcpReassembler(listener, new TcpReassembler.Limits(16, 100, 10));
        small.accept(from(40001, 1, 1, "a"));
        small.accept(from(40001, 2, 5, "efghij")); // 6 held on the first connection
        small.accept(from(40002, 3, 1, "A"));
        assertThat(gaps).isEmpty();
        small.accept(from(40002, 4, 5, "EFGHIJ")); // 12 held in all > 10
        assertThat(gaps).containsExactly("3@4!");
        assertThat(fromClient.toString()).isEqualTo("aAEFGHIJ");
        assertThat(small.heldBytes()).isEqualTo(6);
        small.finish(); // the first connection's hole is given up at the end, not for the limit
        assertThat(gaps).containsExactly("3@4!", "3@2");
        assertThat(fromClient.toString()).isEqualTo("aAEFGHIJefghij");
        assertThat(small.heldBytes()).isZero();
    }

    @Test
    void pastTheConnectionLimitTheConnectionIdleLongestEnds() {
        TcpReassembler small =
                new TcpReassembler(listener, new TcpReassembler.Limits(2, 1000, 1000));
        small.accept(from(40001, 1, 1, "a"));
        small.accept(from(40001, 2, 5, "e")); // a hole the end will give up
        small.accept(from(40002, 3, 1, "b"));
        small.accept(from(40001, 4, 9, "i")); // the first connection is the recent one now
        small.accept(from(40003, 5, 1, "c"));
        assertThat(ended).containsExactly("1 IDLE_LIMIT");
        assertThat(small.openConnections()).isEqualTo(2);
        small.accept(from(40002, 6, 2, "b")); // its ports again: a new connection
        assertThat(ended).containsExactly("1 IDLE_LIMIT", "0 IDLE_LIMIT");
        assertThat(gaps).containsExactly("3@2", "3@4");
        assertThat(small.connectionCount()).isEqualTo(4);
        small.finish();
        assertThat(ended)
                .containsExactly("1 IDLE_LIMIT", "0 IDLE_LIMIT", "2 CAPTURE_END", "3 CAPTURE_END");
    }

    @Test
    void aClosedConnectionEndsAsClosedAndLateSegmentsStillFindIt() {
        TcpReassembler small =
                new TcpReassembler(listener, new TcpReassembler.Limits(1, 1000, 1000));
        small.accept(from(40001, 1, 1, "a"));
        small.accept(
                new TcpSegment(
                        CLIENT, 40001, SERVER, 502, 2, 0, TcpSegment.FIN, new byte[0], 2, 0));
        small.accept(
                new TcpSegment(
                        SERVER,
                        502,
                        CLIENT,
                        40001,
                        7,
                        3,
                        TcpSegment.FIN | TcpSegment.ACK,
                        new byte[0],
                        3,
                        0));
        // The last ACK: still the same connection.
        small.accept(
                new TcpSegment(
                        CLIENT, 40001, SERVER, 502, 3, 8, TcpSegment.ACK, new byte[0], 4, 0));
        assertThat(small.connectionCount()).isEqualTo(1);
        small.accept(from(40002, 5, 1, "b"));
        assertThat(ended).containsExactly("0 CLOSED");
        small.accept(
                new TcpSegment(
                        CLIENT, 40002, SERVER, 502, 2, 0, TcpSegment.RST, new byte[0], 6, 0));
        small.accept(from(40003, 7, 1, "c"));
        assertThat(ended).containsExactly("0 CLOSED", "1 CLOSED");
        small.accept(from(40004, 8, 1, "d"));
        assertThat(ended).containsExactly("0 CLOSED", "1 CLOSED", "2 IDLE_LIMIT");
    }
}
