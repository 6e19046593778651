package io.weir.tools.capture;

import java.util.Arrays;

/**
 * Peels link, IP and TCP headers off a captured frame.
 *
 * <p>Link types (tcpdump.org LINKTYPE_*): 0 NULL (BSD loopback), 1 ETHERNET (with 802.1Q / 802.1ad
 * VLAN tags, stacked), 101 RAW, 113 LINUX_SLL, 228 IPV4, 229 IPV6, 276 LINUX_SLL2. IPv4 and IPv6
 * (hop-by-hop, routing and destination-options extension headers). IP fragments are not
 * reassembled: a fragmented datagram is reported as such and its data is not used.
 */
public final class PacketDecoder {
    public static final int LINKTYPE_NULL = 0;
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int LINKTYPE_RAW = 101;
    public static final int LINKTYPE_LINUX_SLL = 113;
    public static final int LINKTYPE_IPV4 = 228;
    public static final int LINKTYPE_IPV6 = 229;
    public static final int LINKTYPE_LINUX_SLL2 = 276;

    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86DD;
    private static final int ETHERTYPE_VLAN = 0x8100;
    private static final int ETHERTYPE_QINQ = 0x88A8;
    private static final int IPPROTO_TCP = 6;

    /** What became of one frame: a TCP segment, or the reason it carries none. */
    public sealed interface Result permits Segment, NotTcp {}

    public record Segment(TcpSegment segment) implements Result {}

    /**
     * The frame carries no usable TCP data.
     *
     * @param reason why, e.g. {@code "UDP"} or {@code "IPv4 fragment (not reassembled)"}
     * @param problem true if the frame is damaged or unsupported (worth reporting), false if it is
     *     simply other traffic
     */
    public record NotTcp(String reason, boolean problem) implements Result {}

    private PacketDecoder() {}

    public static Result decode(CapturedFrame frame) {
        byte[] d = frame.data();
        return switch (frame.linkType()) {
            case LINKTYPE_ETHERNET -> ethernet(frame, d);
            case LINKTYPE_LINUX_SLL -> {
                if (d.length < 16) {
                    yield truncated("Linux cooked (SLL) header");
                }
                yield ethertype(frame, d, u16(d, 14), 16);
            }
            case LINKTYPE_LINUX_SLL2 -> {
                if (d.length < 20) {
                    yield truncated("Linux cooked v2 (SLL2) header");
                }
                yield ethertype(frame, d, u16(d, 0), 20);
            }
            case LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6 -> {
                if (d.length < 1) {
                    yield truncated("raw IP packet");
                }
                int version = (d[0] & 0xF0) >>> 4;
                yield version == 4
                        ? ipv4(frame, d, 0)
                        : version == 6
                                ? ipv6(frame, d, 0)
                                : new NotTcp("raw packet with IP version " + version, true);
            }
            case LINKTYPE_NULL -> {
                if (d.length < 4) {
                    yield truncated("BSD loopback header");
                }
                // The address family is in the capturing host's byte order: accept either.
                int family = (d[0] & 0xFF) | (d[3] & 0xFF);
                yield family == 2
                        ? ipv4(frame, d, 4)
                        : (family == 24 || family == 28 || family == 30)
                                ? ipv6(frame, d, 4)
                                : new NotTcp("BSD loopback family " + family, false);
            }
            default -> new NotTcp("unsupported link type " + frame.linkType(), true);
        };
    }

    private static Result ethernet(CapturedFrame frame, byte[] d) {
        if (d.length < 14) {
            return truncated("Ethernet header");
        }
        int pos = 12;
        int type = u16(d, pos);
        while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) {
            pos += 4;
            if (d.length < pos + 2) {
                return truncated("802.1Q VLAN tag");
            }
            type = u16(d, pos);
        }
        return ethertype(frame, d, type, pos + 2);
    }

    private static Result ethertype(CapturedFrame frame, byte[] d, int type, int offset) {
        return switch (type) {
            case ETHERTYPE_IPV4 -> ipv4(frame, d, offset);
            case ETHERTYPE_IPV6 -> ipv6(frame, d, offset);
            default -> new NotTcp(String.format("EtherType 0x%04x", type), false);
        };
    }

    private static Result ipv4(CapturedFrame frame, byte[] d, int off) {
        if (d.length < off + 20) {
            return truncated("IPv4 header");
        }
        int ihl = (d[off] & 0x0F) * 4;
        int total = u16(d, off + 2);
        if (ihl < 20 || total < ihl) {
            return new NotTcp(
                    "bad IPv4 header (IHL " + ihl + ", total length " + total + ")", true);
        }
        int flagsFrag = u16(d, off + 6);
        boolean moreFragments = (flagsFrag & 0x2000) != 0;
        int fragOffset = flagsFrag & 0x1FFF;
        int proto = d[off + 9] & 0xFF;
        if (proto != IPPROTO_TCP) {
            return new NotTcp("IP protocol " + proto, false);
        }
        if (moreFragments || fragOffset != 0) {
            return new NotTcp("IPv4 fragment (fragments are not reassembled)", true);
        }
        // The IPv4 total length bounds the datagram: Ethernet pads short frames to 60 bytes, and
        // that padding is not TCP data.
        int end = Math.min(d.length, off + total);
        if (off + total > d.length) {
            return truncated("IPv4 datagram (snapshot length cut it)");
        }
        byte[] src = Arrays.copyOfRange(d, off + 12, off + 16);
        byte[] dst = Arrays.copyOfRange(d, off + 16, off + 20);
        return tcp(frame, d, off + ihl, end, src, dst);
    }

    private static Result ipv6(CapturedFrame frame, byte[] d, int off) {
        if (d.length < off + 40) {
            return truncated("IPv6 header");
        }
        int payloadLength = u16(d, off + 4);
        int next = d[off + 6] & 0xFF;
        byte[] src = Arrays.copyOfRange(d, off + 8, off + 24);
        byte[] dst = Arrays.copyOfRange(d, off + 24, off + 40);
        int end = off + 40 + payloadLength;
        if (payloadLength == 0) {
            return new NotTcp("IPv6 jumbogram or empty payload", true);
        }
        if (end > d.length) {
            return truncated("IPv6 packet (snapshot length cut it)");
        }
        int pos = off + 40;
        // RFC 8200 §4: extension headers that may precede the upper-layer header.
        while (next == 0 || next == 43 || next == 60 || next == 44) {
            if (next == 44) {
                return new NotTcp("IPv6 fragment (fragments are not reassembled)", true);
            }
            if (end < pos + 8) {
                return truncated("IPv6 extension header");
            }
            next = d[pos] & 0xFF;
            pos += 8 + (d[pos + 1] & 0xFF) * 8;
        }
        if (next != IPPROTO_TCP) {
            return new NotTcp("IP protocol " + next, false);
        }
        return tcp(frame, d, pos, end, src, dst);
    }

    private static Result tcp(
            CapturedFrame frame, byte[] d, int off, int end, byte[] src, byte[] dst) {
        if (end < off + 20) {
            return truncated("TCP header");
        }
        int dataOffset = ((d[off + 12] & 0xF0) >>> 4) * 4;
        if (dataOffset < 20 || off + dataOffset > end) {
            return new NotTcp("bad TCP data offset " + dataOffset, true);
        }
        int srcPort = u16(d, off);
        int dstPort = u16(d, off + 2);
        long seq = u32(d, off + 4);
        long ack = u32(d, off + 8);
        int flags = d[off + 13] & 0xFF;
        byte[] payload = Arrays.copyOfRange(d, off + dataOffset, end);
        return new Segment(
                new TcpSegment(
                        src,
                        srcPort,
                        dst,
                        dstPort,
                        seq,
                        ack,
                        flags,
                        payload,
                        frame.number(),
                        frame.epochNanos()));
    }

    private static NotTcp truncated(String what) {
        return new NotTcp("truncated " + what, true);
    }

    private static int u16(byte[] d, int i) {
        return ((d[i] & 0xFF) << 8) | (d[i + 1] & 0xFF);
    }

    private static long u32(byte[] d, int i) {
        return ((long) u16(d, i) << 16) | u16(d, i + 2);
    }
}
