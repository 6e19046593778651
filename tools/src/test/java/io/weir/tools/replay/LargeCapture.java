package io.weir.tools.replay;

import static io.weir.tools.capture.Packets.ethernet;
import static io.weir.tools.capture.Packets.ipv4Tcp;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a large pcap of Modbus TCP traffic straight to disk (never whole in memory) and counts
 * what a replay must find in it.
 *
 * <p>Each connection: a handshake; {@code exchanges} FC3 reads of one register, a request split in
 * two and sent second half first every 97th, no response every 101st; then a response the capture
 * lost, a later response held behind the hole and an ACK from the client past both (a gap); FIN,
 * FIN, ACK. Every {@code bulkEvery}-th frame a 1400-byte segment of other traffic (port 80) gives
 * the file its size.
 */
final class LargeCapture {
    private static final byte[] SERVER = {10, 0, 0, 2};
    private static final byte[] BULK_A = {10, 9, 9, 9};
    private static final byte[] BULK_B = {10, 9, 9, 8};
    private static final long T0_MICROS = 1_700_000_000_000_000L;

    private final OutputStream out;
    private final int bulkEvery;
    private final byte[] bulk = new byte[1400];
    private long frames;
    private long other;

    private LargeCapture(OutputStream out, int bulkEvery) {
        this.out = out;
        this.bulkEvery = bulkEvery;
    }

    /** The replay summary fields this capture must give. */
    static Map<String, Long> write(Path file, int connections, int exchanges, int bulkEvery)
            throws IOException {
        long requests = 0;
        long pairs = 0;
        long unanswered = 0;
        long outOfOrder = 0;
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4);
            h.putInt(0).putInt(0).putInt(65535).putInt(1);
            os.write(h.array());
            LargeCapture w = new LargeCapture(os, bulkEvery);
            for (int i = 0; i < connections; i++) {
                byte[] client = {10, 1, (byte) (i >> 8), (byte) i};
                int port = 20000 + i % 40000;
                long c = 1000;
                long s = 5000;
                w.tcp(client, port, SERVER, 502, c - 1, 0, 0x02, new byte[0]);
                w.tcp(SERVER, 502, client, port, s - 1, c, 0x12, new byte[0]);
                for (int e = 0; e < exchanges; e++) {
                    byte[] req = request(e, e % 1000);
                    if (e % 97 == 5) {
                        w.tcp(client, port, SERVER, 502, c + 6, s, 0x18, slice(req, 6, 12));
                        w.tcp(client, port, SERVER, 502, c, s, 0x18, slice(req, 0, 6));
                        outOfOrder++;
                    } else {
                        w.tcp(client, port, SERVER, 502, c, s, 0x18, req);
                    }
                    c += req.length;
                    requests++;
                    if (e % 101 == 7) {
                        unanswered++;
                        continue;
                    }
                    byte[] resp = response(e, (e * 7) & 0xFFFF);
                    w.tcp(SERVER, 502, client, port, s, c, 0x18, resp);
                    s += resp.length;
                    pairs++;
                }
                // The response to A is lost by the capturing host; B's is held behind the hole
                // until the client acknowledges past both.
                byte[] a = request(60000, 1);
                byte[] b = request(60001, 2);
                w.tcp(client, port, SERVER, 502, c, s, 0x18, a);
                c += a.length;
                w.tcp(client, port, SERVER, 502, c, s, 0x18, b);
                c += b.length;
                s += 11; // response A, never captured
                byte[] rb = response(60001, 42);
                w.tcp(SERVER, 502, client, port, s, c, 0x18, rb);
                s += rb.length;
                w.tcp(client, port, SERVER, 502, c, s, 0x10, new byte[0]);
                requests += 2;
                unanswered++;
                pairs++;
                outOfOrder++;
                w.tcp(client, port, SERVER, 502, c, s, 0x11, new byte[0]);
                w.tcp(SERVER, 502, client, port, s, c + 1, 0x11, new byte[0]);
                w.tcp(client, port, SERVER, 502, c + 1, s + 1, 0x10, new byte[0]);
            }
            Map<String, Long> m = new LinkedHashMap<>();
            m.put("frames", w.frames);
            m.put("tcp_segments", w.frames - w.other);
            m.put("other_traffic_frames", w.other);
            m.put("connections", (long) connections);
            m.put("requests", requests);
            m.put("responses", pairs);
            m.put("pairs", pairs);
            m.put("points", pairs);
            m.put("bad_points", 0L);
            m.put("skipped", 0L);
            m.put("unanswered", unanswered);
            m.put("unsolicited", 0L);
            m.put("garbage_bytes", 0L);
            m.put("gaps", (long) connections);
            m.put("unreadable_frames", 0L);
            m.put("retransmitted_bytes", 0L);
            m.put("out_of_order_segments", outOfOrder);
            m.put("truncated_bytes", 0L);
            return m;
        }
    }

    /** FC3, one register at {@code address} (MBAP length 6). */
    private static byte[] request(int tid, int address) {
        return ByteBuffer.allocate(12)
                .putShort((short) tid)
                .putShort((short) 0)
                .putShort((short) 6)
                .put((byte) 1)
                .put((byte) 3)
                .putShort((short) address)
                .putShort((short) 1)
                .array();
    }

    /** The FC3 response with one register (MBAP length 5). */
    private static byte[] response(int tid, int value) {
        return ByteBuffer.allocate(11)
                .putShort((short) tid)
                .putShort((short) 0)
                .putShort((short) 5)
                .put((byte) 1)
                .put((byte) 3)
                .put((byte) 2)
                .putShort((short) value)
                .array();
    }

    private static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, from, to);
    }

    private void tcp(
            byte[] src,
            int sport,
            byte[] dst,
            int dport,
            long seq,
            long ack,
            int flags,
            byte[] data)
            throws IOException {
        frame(ethernet(0x0800, ipv4Tcp(src, sport, dst, dport, seq, ack, flags, data)));
        if (bulkEvery > 0 && frames % bulkEvery == 0) {
            frame(ethernet(0x0800, ipv4Tcp(BULK_A, 33333, BULK_B, 80, frames, 1, 0x18, bulk)));
            other++;
        }
    }

    private void frame(byte[] data) throws IOException {
        long micros = T0_MICROS + frames * 1000L;
        ByteBuffer r = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        r.putInt((int) (micros / 1_000_000L))
                .putInt((int) (micros % 1_000_000L))
                .putInt(data.length)
                .putInt(data.length);
        out.write(r.array());
        out.write(data);
        frames++;
    }
}
