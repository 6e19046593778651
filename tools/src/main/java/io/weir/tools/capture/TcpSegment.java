package io.weir.tools.capture;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The TCP part of one captured frame.
 *
 * @param src source address bytes (4 for IPv4, 16 for IPv6)
 * @param srcPort source port
 * @param dst destination address bytes
 * @param dstPort destination port
 * @param seq sequence number (RFC 9293 §3.1), unsigned 32 bits
 * @param ack acknowledgment number, unsigned 32 bits (meaningful when {@link #ACK} is set)
 * @param flags the TCP flag bits (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10)
 * @param payload the segment's data
 * @param frame 1-based frame number the segment came in
 * @param epochNanos the frame's capture time
 */
public record TcpSegment(
        byte[] src,
        int srcPort,
        byte[] dst,
        int dstPort,
        long seq,
        long ack,
        int flags,
        byte[] payload,
        int frame,
        long epochNanos) {
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int ACK = 0x10;

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    public Endpoint source() {
        return new Endpoint(src, srcPort);
    }

    public Endpoint destination() {
        return new Endpoint(dst, dstPort);
    }

    /** An address and port; printed as {@code 10.0.0.3:502} or {@code [2001:db8::1]:502}. */
    public record Endpoint(byte[] address, int port) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Endpoint e
                    && port == e.port
                    && java.util.Arrays.equals(address, e.address);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(address) * 31 + port;
        }

        @Override
        public String toString() {
            try {
                String host = InetAddress.getByAddress(address).getHostAddress();
                return address.length == 16 ? "[" + host + "]:" + port : host + ":" + port;
            } catch (UnknownHostException e) {
                throw new IllegalStateException("address of " + address.length + " bytes", e);
            }
        }
    }
}
