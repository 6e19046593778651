package io.weir.tools.capture;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads classic pcap and pcapng capture files into numbered frames.
 *
 * <p>pcap: both byte orders, microsecond ({@code a1b2c3d4}) and nanosecond ({@code a1b23c4d})
 * timestamps (draft-ietf-opsawg-pcap). pcapng: Section Header, Interface Description, Enhanced
 * Packet, Simple Packet and the obsolete Packet block, several sections and interfaces, {@code
 * if_tsresol} and {@code if_tsoffset} (draft-ietf-opsawg-pcapng §4); other block types are skipped
 * as the format allows. Frames are numbered from 1 in file order, as Wireshark does.
 */
public final class CaptureReader {
    private static final int PCAP_MICROS = 0xa1b2c3d4;
    private static final int PCAP_NANOS = 0xa1b23c4d;
    private static final int PCAPNG_SHB = 0x0A0D0D0A;
    private static final int PCAPNG_BYTE_ORDER_MAGIC = 0x1A2B3C4D;

    private static final int BLOCK_IDB = 1;
    private static final int BLOCK_PACKET_OBSOLETE = 2;
    private static final int BLOCK_SPB = 3;
    private static final int BLOCK_EPB = 6;

    private CaptureReader() {}

    public static List<CapturedFrame> read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return read(bytes);
        } catch (CaptureFormatException e) {
            throw new CaptureFormatException(file + ": " + e.getMessage());
        }
    }

    public static List<CapturedFrame> read(byte[] bytes) throws CaptureFormatException {
        if (bytes.length < 4) {
            throw new CaptureFormatException(
                    "file is " + bytes.length + " bytes, too short for a pcap or pcapng header");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        int magicBe = buf.getInt(0);
        int magicLe = Integer.reverseBytes(magicBe);
        if (magicBe == PCAPNG_SHB) {
            return readPcapng(buf);
        }
        if (magicBe == PCAP_MICROS || magicBe == PCAP_NANOS) {
            return readPcap(buf.order(ByteOrder.BIG_ENDIAN), magicBe == PCAP_NANOS);
        }
        if (magicLe == PCAP_MICROS || magicLe == PCAP_NANOS) {
            return readPcap(buf.order(ByteOrder.LITTLE_ENDIAN), magicLe == PCAP_NANOS);
        }
        throw new CaptureFormatException(
                String.format(
                        "unknown file magic %08x: expected pcap (a1b2c3d4 / a1b23c4d, either byte"
                                + " order) or pcapng (0a0d0d0a)",
                        magicBe));
    }

    private static List<CapturedFrame> readPcap(ByteBuffer buf, boolean nanos)
            throws CaptureFormatException {
        if (buf.limit() < 24) {
            throw new CaptureFormatException(
                    "pcap global header needs 24 bytes, file has " + buf.limit());
        }
        // The upper 4 bits of the link-type field may carry FCS information (pcap draft §4).
        int linkType = buf.getInt(20) & 0x0FFFFFFF;
        List<CapturedFrame> frames = new ArrayList<>();
        int pos = 24;
        while (pos < buf.limit()) {
            int number = frames.size() + 1;
            if (buf.limit() - pos < 16) {
                throw new CaptureFormatException(
                        "frame "
                                + number
                                + ": record header truncated at offset "
                                + pos
                                + " (needs 16 bytes, "
                                + (buf.limit() - pos)
                                + " left)");
            }
            long seconds = Integer.toUnsignedLong(buf.getInt(pos));
            long fraction = Integer.toUnsignedLong(buf.getInt(pos + 4));
            int captured = buf.getInt(pos + 8);
            int original = buf.getInt(pos + 12);
            if (captured < 0 || captured > buf.limit() - pos - 16) {
                throw new CaptureFormatException(
                        "frame "
                                + number
                                + ": captured length "
                                + Integer.toUnsignedString(captured)
                                + " at offset "
                                + pos
                                + " runs past the end of the file");
            }
            byte[] data = new byte[captured];
            buf.get(pos + 16, data);
            long epochNanos = seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1000L);
            frames.add(new CapturedFrame(number, epochNanos, linkType, data, original));
            pos += 16 + captured;
        }
        return frames;
    }

    /** One pcapng interface: its link type and timestamp resolution. */
    private record Interface(
            int linkType, long unitsPerSecond, boolean binary, long offsetSeconds) {
        long toEpochNanos(long units) {
            long seconds;
            long remainder;
            if (binary) {
                // if_tsresol with the high bit set: 2^-n seconds per unit.
                int shift = Long.numberOfTrailingZeros(unitsPerSecond);
                seconds = units >>> shift;
                remainder = units & (unitsPerSecond - 1);
                return (seconds + offsetSeconds) * 1_000_000_000L
                        + ((remainder * 1_000_000_000L) >>> shift);
            }
            seconds = Long.divideUnsigned(units, unitsPerSecond);
            remainder = Long.remainderUnsigned(units, unitsPerSecond);
            long nanos =
                    unitsPerSecond >= 1_000_000_000L
                            ? remainder / (unitsPerSecond / 1_000_000_000L)
                            : remainder * (1_000_000_000L / unitsPerSecond);
            return (seconds + offsetSeconds) * 1_000_000_000L + nanos;
        }
    }

    private static List<CapturedFrame> readPcapng(ByteBuffer buf) throws CaptureFormatException {
        List<CapturedFrame> frames = new ArrayList<>();
        List<Interface> interfaces = new ArrayList<>();
        int pos = 0;
        while (pos < buf.limit()) {
            if (buf.limit() - pos < 12) {
                throw new CaptureFormatException(
                        "pcapng block at offset " + pos + " truncated (needs at least 12 bytes)");
            }
            // 0a0d0d0a reads the same in either byte order, so the current one will do.
            int type = buf.getInt(pos);
            if (type == PCAPNG_SHB) {
                // A new section: byte order and interfaces start afresh (pcapng §4.1).
                int bom = buf.order(ByteOrder.BIG_ENDIAN).getInt(pos + 8);
                if (bom == PCAPNG_BYTE_ORDER_MAGIC) {
                    buf.order(ByteOrder.BIG_ENDIAN);
                } else if (Integer.reverseBytes(bom) == PCAPNG_BYTE_ORDER_MAGIC) {
                    buf.order(ByteOrder.LITTLE_ENDIAN);
                } else {
                    throw new CaptureFormatException(
                            String.format(
                                    "pcapng section header at offset %d: byte-order magic %08x is"
                                            + " not 1a2b3c4d",
                                    pos, bom));
                }
                interfaces.clear();
            }
            int length = buf.getInt(pos + 4);
            if (length < 12 || (length & 3) != 0 || length > buf.limit() - pos) {
                throw new CaptureFormatException(
                        "pcapng block type "
                                + Integer.toUnsignedString(buf.getInt(pos))
                                + " at offset "
                                + pos
                                + " has invalid total length "
                                + Integer.toUnsignedString(length)
                                + " (file has "
                                + (buf.limit() - pos)
                                + " bytes left)");
            }
            if (buf.getInt(pos + length - 4) != length) {
                throw new CaptureFormatException(
                        "pcapng block at offset "
                                + pos
                                + ": trailing length does not match "
                                + length);
            }
            type = buf.getInt(pos);
            int body = pos + 8;
            int bodyEnd = pos + length - 4;
            switch (type) {
                case BLOCK_IDB -> interfaces.add(readInterface(buf, body, bodyEnd, pos));
                case BLOCK_EPB -> {
                    int ifIndex = buf.getInt(body);
                    Interface itf = interfaceAt(interfaces, ifIndex, pos, frames.size() + 1);
                    frames.add(timestampedPacket(buf, itf, body, bodyEnd, pos, frames.size() + 1));
                }
                case BLOCK_SPB -> {
                    // Simple Packet Block: interface 0, no timestamp, captured = min(snaplen, len),
                    // which is exactly what the block holds (pcapng §4.4).
                    Interface itf = interfaceAt(interfaces, 0, pos, frames.size() + 1);
                    int original = buf.getInt(body);
                    int captured = Math.min(original, bodyEnd - body - 4);
                    byte[] data = slice(buf, body + 4, captured, bodyEnd, pos, frames.size() + 1);
                    frames.add(
                            new CapturedFrame(
                                    frames.size() + 1, 0, itf.linkType(), data, original));
                }
                case BLOCK_PACKET_OBSOLETE -> {
                    // Interface id is 16 bits here, followed by a 16-bit drops count.
                    int ifIndex = Short.toUnsignedInt(buf.getShort(body));
                    Interface itf = interfaceAt(interfaces, ifIndex, pos, frames.size() + 1);
                    frames.add(timestampedPacket(buf, itf, body, bodyEnd, pos, frames.size() + 1));
                }
                default -> {
                    // SHB, name resolution, statistics, decryption secrets, custom: no packets.
                }
            }
            pos += length;
        }
        return frames;
    }

    /**
     * The part an Enhanced Packet Block and the obsolete Packet Block share after their 32-bit
     * interface field (pcapng §4.3, Appendix A): timestamp high and low words in the interface's
     * units, captured length, original length, packet data.
     */
    private static CapturedFrame timestampedPacket(
            ByteBuffer buf, Interface itf, int body, int bodyEnd, int pos, int frame)
            throws CaptureFormatException {
        long units =
                (Integer.toUnsignedLong(buf.getInt(body + 4)) << 32)
                        | Integer.toUnsignedLong(buf.getInt(body + 8));
        int captured = buf.getInt(body + 12);
        int original = buf.getInt(body + 16);
        byte[] data = slice(buf, body + 20, captured, bodyEnd, pos, frame);
        return new CapturedFrame(frame, itf.toEpochNanos(units), itf.linkType(), data, original);
    }

    private static Interface interfaceAt(List<Interface> interfaces, int index, int pos, int frame)
            throws CaptureFormatException {
        if (index < 0 || index >= interfaces.size()) {
            throw new CaptureFormatException(
                    "frame "
                            + frame
                            + " (pcapng block at offset "
                            + pos
                            + ") names interface "
                            + Integer.toUnsignedString(index)
                            + " but the section describes "
                            + interfaces.size());
        }
        return interfaces.get(index);
    }

    private static byte[] slice(ByteBuffer buf, int from, int length, int end, int pos, int frame)
            throws CaptureFormatException {
        if (length < 0 || length > end - from) {
            throw new CaptureFormatException(
                    "frame "
                            + frame
                            + " (pcapng block at offset "
                            + pos
                            + "): captured length "
                            + Integer.toUnsignedString(length)
                            + " exceeds the block");
        }
        byte[] data = new byte[length];
        buf.get(from, data);
        return data;
    }

    private static Interface readInterface(ByteBuffer buf, int body, int end, int pos)
            throws CaptureFormatException {
        if (end - body < 8) {
            throw new CaptureFormatException(
                    "pcapng interface description block at offset " + pos + " is truncated");
        }
        int linkType = Short.toUnsignedInt(buf.getShort(body));
        long unitsPerSecond = 1_000_000L; // default if_tsresol = 6 (microseconds)
        boolean binary = false;
        long offsetSeconds = 0;
        int opt = body + 8;
        while (opt + 4 <= end) {
            int code = Short.toUnsignedInt(buf.getShort(opt));
            int len = Short.toUnsignedInt(buf.getShort(opt + 2));
            if (code == 0) {
                break; // opt_endofopt
            }
            if (opt + 4 + len > end) {
                throw new CaptureFormatException(
                        "pcapng interface block at offset "
                                + pos
                                + ": option "
                                + code
                                + " overruns");
            }
            if (code == 9 && len >= 1) { // if_tsresol
                int v = buf.get(opt + 4) & 0xFF;
                if ((v & 0x80) != 0) {
                    int shift = v & 0x7F;
                    if (shift > 62) {
                        throw new CaptureFormatException(
                                "pcapng interface block at offset "
                                        + pos
                                        + ": if_tsresol 2^-"
                                        + shift);
                    }
                    unitsPerSecond = 1L << shift;
                    binary = true;
                } else {
                    if (v > 18) {
                        throw new CaptureFormatException(
                                "pcapng interface block at offset "
                                        + pos
                                        + ": if_tsresol 10^-"
                                        + v);
                    }
                    unitsPerSecond = 1;
                    for (int i = 0; i < v; i++) {
                        unitsPerSecond *= 10;
                    }
                }
            } else if (code == 14 && len >= 8) { // if_tsoffset, seconds
                offsetSeconds = buf.getLong(opt + 4);
            }
            opt += 4 + ((len + 3) & ~3);
        }
        return new Interface(linkType, unitsPerSecond, binary, offsetSeconds);
    }
}
