package io.weir.tools.capture;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds link/IP/TCP packets and capture files byte by byte for the reader tests. */
public final class Packets {
    public static final byte[] CLIENT = {10, 0, 0, 1};
    public static final byte[] SERVER = {10, 0, 0, 2};

    private Packets() {}

    /**
     * IPv4 + TCP (no options) carrying {@code payload}; checksums are not checked by the reader.
     */
    public static byte[] ipv4Tcp(
            byte[] src,
            int sport,
            byte[] dst,
            int dport,
            long seq,
            long ack,
            int flags,
            byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(40 + payload.length);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (40 + payload.length));
        b.putShort((short) 1)
                .putShort((short) 0x4000)
                .put((byte) 64)
                .put((byte) 6)
                .putShort((short) 0);
        b.put(src).put(dst);
        tcp(b, sport, dport, seq, ack, flags);
        b.put(payload);
        return b.array();
    }

    public static byte[] ipv6Tcp(
            byte[] src, int sport, byte[] dst, int dport, long seq, int flags, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(60 + payload.length);
        b.putInt(0x60000000).putShort((short) (20 + payload.length)).put((byte) 6).put((byte) 64);
        b.put(src).put(dst);
        tcp(b, sport, dport, seq, 0, flags);
        b.put(payload);
        return b.array();
    }

    /** A 20-byte TCP header (RFC 9293 §3.1): no options, window 65535, checksum left 0. */
    private static void tcp(ByteBuffer b, int sport, int dport, long seq, long ack, int flags) {
        b.putShort((short) sport).putShort((short) dport).putInt((int) seq).putInt((int) ack);
        b.put((byte) 0x50)
                .put((byte) flags)
                .putShort((short) 65535)
                .putShort((short) 0)
                .putShort((short) 0);
    }

    public static byte[] ethernet(int etherType, byte[] packet, int... vlanTags) {
        ByteBuffer b = ByteBuffer.allocate(Math.max(60, 14 + 4 * vlanTags.length + packet.length));
        b.put(new byte[] {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6});
        for (int tag : vlanTags) {
            b.putShort((short) 0x8100).putShort((short) tag);
        }
        b.putShort((short) etherType).put(packet);
        return b.array(); // zero padding to the 60-byte Ethernet minimum, as on the wire
    }

    public static byte[] sll(int protocol, byte[] packet) {
        ByteBuffer b = ByteBuffer.allocate(16 + packet.length);
        b.putShort((short) 0).putShort((short) 1).putShort((short) 6);
        b.put(new byte[] {0, 1, 2, 3, 4, 5, 0, 0}).putShort((short) protocol).put(packet);
        return b.array();
    }

    public static byte[] sll2(int protocol, byte[] packet) {
        ByteBuffer b = ByteBuffer.allocate(20 + packet.length);
        b.putShort((short) protocol).putShort((short) 0).putInt(2).putShort((short) 1);
        b.put((byte) 0).put((byte) 6).put(new byte[] {0, 1, 2, 3, 4, 5, 0, 0}).put(packet);
        return b.array();
    }

    /** A classic pcap file. */
    public static byte[] pcap(
            ByteOrder order, boolean nanos, int linkType, long[] tsNanos, byte[]... packets) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer h = ByteBuffer.allocate(24).order(order);
        h.putInt(nanos ? 0xa1b23c4d : 0xa1b2c3d4).putShort((short) 2).putShort((short) 4);
        h.putInt(0).putInt(0).putInt(65535).putInt(linkType);
        out.writeBytes(h.array());
        for (int i = 0; i < packets.length; i++) {
            ByteBuffer r = ByteBuffer.allocate(16).order(order);
            long sec = tsNanos[i] / 1_000_000_000L;
            long frac = tsNanos[i] % 1_000_000_000L;
            r.putInt((int) sec)
                    .putInt((int) (nanos ? frac : frac / 1000))
                    .putInt(packets[i].length)
                    .putInt(packets[i].length);
            out.writeBytes(r.array());
            out.writeBytes(packets[i]);
        }
        return out.toByteArray();
    }

    public static byte[] block(ByteOrder order, int type, byte[] body) {
        int padded = (body.length + 3) & ~3;
        ByteBuffer b = ByteBuffer.allocate(12 + padded).order(order);
        b.putInt(type).putInt(12 + padded).put(body);
        b.position(8 + padded);
        b.putInt(12 + padded);
        return b.array();
    }

    public static byte[] shb(ByteOrder order) {
        ByteBuffer body = ByteBuffer.allocate(16).order(order);
        body.putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1);
        return block(order, 0x0A0D0D0A, body.array());
    }

    /** An IDB; {@code tsresol} < 0 means no if_tsresol option (microseconds). */
    public static byte[] idb(ByteOrder order, int linkType, int tsresol) {
        ByteBuffer body = ByteBuffer.allocate(tsresol < 0 ? 8 : 20).order(order);
        body.putShort((short) linkType).putShort((short) 0).putInt(65535);
        if (tsresol >= 0) {
            body.putShort((short) 9).putShort((short) 1).put((byte) tsresol).put(new byte[3]);
            body.putShort((short) 0).putShort((short) 0);
        }
        return block(order, 1, body.array());
    }

    public static byte[] epb(ByteOrder order, int iface, long units, byte[] packet) {
        ByteBuffer body = ByteBuffer.allocate(20 + ((packet.length + 3) & ~3)).order(order);
        body.putInt(iface).putInt((int) (units >>> 32)).putInt((int) units);
        body.putInt(packet.length).putInt(packet.length).put(packet);
        return block(order, 6, body.array());
    }

    public static byte[] spb(ByteOrder order, byte[] packet) {
        ByteBuffer body = ByteBuffer.allocate(4 + ((packet.length + 3) & ~3)).order(order);
        body.putInt(packet.length).put(packet);
        return block(order, 3, body.array());
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
