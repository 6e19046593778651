package io.weir.tools.capture;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a classic pcap or pcapng capture one frame at a time, from a stream: memory stays the size
 * of one record whatever the size of the file.
 *
 * <p>pcap: both byte orders, microsecond ({@code a1b2c3d4}) and nanosecond ({@code a1b23c4d})
 * timestamps (draft-ietf-opsawg-pcap). pcapng: Section Header, Interface Description, Enhanced
 * Packet, Simple Packet and the obsolete Packet block, several sections and interfaces, {@code
 * if_tsresol} and {@code if_tsoffset} (draft-ietf-opsawg-pcapng §4); other block types are skipped
 * unread as the format allows. Frames are numbered from 1 in file order, as Wireshark does.
 *
 * <p>A file that ends inside a record (what a capture killed mid-write leaves) is not an error:
 * {@link #next()} returns the frames before it, then null, and {@link #cut()} says where the file
 * ends and how much of the record is there. A damaged file (bad magic, impossible lengths, a block
 * too short for its fixed fields) is a {@link CaptureFormatException} naming the file and the byte
 * offset.
 */
public final class CaptureReader implements Closeable {
    /**
     * The most bytes one packet may carry unless the pcap header's snapshot length says more:
     * Wireshark's {@code WTAP_MAX_PACKET_SIZE_STANDARD}. A larger length is a damaged file.
     */
    public static final int MAX_PACKET_BYTES = 262_144;

    /** The largest pcapng block read (Wireshark's wiretap refuses larger ones too). */
    public static final int MAX_BLOCK_BYTES = 16 * 1024 * 1024;

    private static final int PCAP_MICROS = 0xa1b2c3d4;
    private static final int PCAP_NANOS = 0xa1b23c4d;
    private static final int PCAPNG_SHB = 0x0A0D0D0A;
    private static final int PCAPNG_BYTE_ORDER_MAGIC = 0x1A2B3C4D;

    private static final int BLOCK_IDB = 1;
    private static final int BLOCK_PACKET_OBSOLETE = 2;
    private static final int BLOCK_SPB = 3;
    private static final int BLOCK_EPB = 6;

    /**
     * Where the file ends inside a record.
     *
     * @param offset byte offset of the record in the file
     * @param present how many of its bytes the file holds
     * @param needed how many it would need (at least; a block header cut before its length says 8
     *     or 12)
     * @param record what the record is, e.g. {@code "pcap record"}
     * @param frame the frame number the record would have had, or 0 if it is not (known to be) a
     *     packet
     */
    public record Cut(long offset, long present, long needed, String record, int frame) {
        public Cut {
            if (present < 1 || present >= needed) {
                throw new IllegalArgumentException(
                        "a cut record has 1.." + (needed - 1) + " bytes, not " + present);
            }
        }

        /** One line for a user. */
        public String describe() {
            return "capture ends inside "
                    + (frame > 0 ? "frame " + frame + " (" + record + ")" : "a " + record)
                    + " at byte offset "
                    + offset
                    + ": "
                    + present
                    + " of its "
                    + needed
                    + " bytes are there; the file was cut short (as a capture stopped"
                    + " mid-write leaves it)";
        }
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

    private final InputStream in;
    private final String name;
    private final boolean pcapng;
    private final byte[] head = new byte[16];
    private long offset;
    private int frames;
    private boolean ended;
    private Cut cut;

    // pcap
    private ByteOrder order = ByteOrder.BIG_ENDIAN;
    private boolean nanos;
    private int pcapLinkType;
    private long maxCaptured = MAX_PACKET_BYTES;

    // pcapng: the current section's interfaces
    private final List<Interface> interfaces = new ArrayList<>();

    private CaptureReader(InputStream in, String name) throws IOException {
        this.in = in;
        this.name = name;
        int n = read(head, 0, 4);
        if (n == 0) {
            throw format("empty file (0 bytes), not a pcap or pcapng capture");
        }
        if (n < 4) {
            throw format(n + " bytes, too short for a pcap or pcapng header");
        }
        int magic = ByteBuffer.wrap(head, 0, 4).order(ByteOrder.BIG_ENDIAN).getInt();
        if (magic == PCAPNG_SHB) {
            pcapng = true;
            readFirstSection();
            return;
        }
        pcapng = false;
        if (magic == PCAP_MICROS || magic == PCAP_NANOS) {
            order = ByteOrder.BIG_ENDIAN;
            nanos = magic == PCAP_NANOS;
        } else if (Integer.reverseBytes(magic) == PCAP_MICROS
                || Integer.reverseBytes(magic) == PCAP_NANOS) {
            order = ByteOrder.LITTLE_ENDIAN;
            nanos = Integer.reverseBytes(magic) == PCAP_NANOS;
        } else {
            throw format(
                    String.format(
                            "not a capture: unknown file magic %08x (pcap starts with a1b2c3d4 or"
                                    + " a1b23c4d in either byte order, pcapng with 0a0d0d0a)",
                            magic));
        }
        byte[] header = new byte[24];
        System.arraycopy(head, 0, header, 0, 4);
        n = 4 + read(header, 4, 20);
        if (n < 24) {
            throw format("pcap file header truncated: it needs 24 bytes, the file has " + n);
        }
        ByteBuffer h = ByteBuffer.wrap(header).order(order);
        long snaplen = Integer.toUnsignedLong(h.getInt(16));
        maxCaptured = Math.max(MAX_PACKET_BYTES, Math.min(snaplen, MAX_BLOCK_BYTES));
        // The upper 4 bits of the link-type field may carry FCS information (pcap draft §4).
        pcapLinkType = h.getInt(20) & 0x0FFFFFFF;
    }

    /**
     * Opens {@code file} and reads its header.
     *
     * @throws CaptureFormatException if it is a directory, empty, or no pcap/pcapng header starts
     *     it (the message names the file)
     * @throws java.nio.file.NoSuchFileException if it does not exist
     */
    public static CaptureReader open(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new CaptureFormatException(
                    file + ": is a directory, not a capture file (pcap or pcapng)");
        }
        // Only read() is used: available() and skip() of Files.newInputStream seek, which fails
        // with "Illegal seek" on a pipe (--pcap /dev/stdin, a FIFO fed by tcpdump -w).
        InputStream in =
                new FilterInputStream(Files.newInputStream(file)) {
                    @Override
                    public int available() {
                        return 0;
                    }

                    @Override
                    public long skip(long n) {
                        return 0;
                    }
                };
        try {
            return new CaptureReader(new BufferedInputStream(in, 1 << 16), file.toString());
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** Reads a capture from {@code in}; {@code name} is what messages call it. */
    public static CaptureReader of(InputStream in, String name) throws IOException {
        return new CaptureReader(in, name);
    }

    /** Reads a capture held in memory (tests, small files). */
    public static CaptureReader of(byte[] bytes) throws IOException {
        return new CaptureReader(new ByteArrayInputStream(bytes), "capture");
    }

    /** The file's name as messages give it. */
    public String name() {
        return name;
    }

    /** How many bytes of the file have been read. */
    public long position() {
        return offset;
    }

    /**
     * The next frame, or null at the end of the file or at a record the file ends inside (then
     * {@link #cut()} says so).
     */
    public CapturedFrame next() throws IOException {
        if (ended) {
            return null;
        }
        CapturedFrame f = pcapng ? nextPcapng() : nextPcap();
        if (f == null) {
            ended = true;
        }
        return f;
    }

    /** Where the file ends inside a record, once {@link #next()} has returned null; else null. */
    public Cut cut() {
        return cut;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private CapturedFrame nextPcap() throws IOException {
        long at = offset;
        int n = read(head, 0, 16);
        if (n == 0) {
            return null;
        }
        int number = nextNumber();
        if (n < 16) {
            return cut(at, n, 16, "pcap record", number);
        }
        ByteBuffer h = ByteBuffer.wrap(head).order(order);
        long seconds = Integer.toUnsignedLong(h.getInt(0));
        long fraction = Integer.toUnsignedLong(h.getInt(4));
        long captured = Integer.toUnsignedLong(h.getInt(8));
        int original = h.getInt(12);
        if (captured > maxCaptured) {
            throw format(
                    "frame "
                            + number
                            + ": the pcap record at byte offset "
                            + at
                            + " says it holds "
                            + captured
                            + " bytes, more than the "
                            + maxCaptured
                            + " a packet may have; the file is damaged");
        }
        byte[] data = new byte[(int) captured];
        int got = read(data, 0, data.length);
        if (got < data.length) {
            return cut(at, 16 + got, 16 + captured, "pcap record", number);
        }
        frames = number;
        long epochNanos = seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1000L);
        return new CapturedFrame(number, epochNanos, pcapLinkType, data, original);
    }

    /** The first Section Header Block: the file's header, so a cut in it is an error. */
    private void readFirstSection() throws IOException {
        int n = 4 + read(head, 4, 8);
        if (n < 12) {
            throw format(
                    "pcapng section header block truncated: its fixed fields need 12 bytes, the"
                            + " file has "
                            + n);
        }
        setSectionOrder(0);
        int length = blockLength(0, PCAPNG_SHB);
        byte[] block = new byte[length];
        System.arraycopy(head, 0, block, 0, 12);
        int got = read(block, 12, length - 12);
        if (got < length - 12) {
            throw format(
                    "pcapng section header block truncated: it needs "
                            + length
                            + " bytes, the file has "
                            + (12 + got));
        }
        trailingLength(ByteBuffer.wrap(block).order(order), PCAPNG_SHB, 0);
        // The version (1.0 and 1.2 read the same), section length (the reader walks blocks) and
        // options that follow the byte-order magic say nothing the reader needs.
    }

    private void trailingLength(ByteBuffer b, int type, long at) throws CaptureFormatException {
        int length = b.limit();
        if (b.getInt(length - 4) != length) {
            throw format(
                    blockName(type)
                            + " at byte offset "
                            + at
                            + ": its trailing length "
                            + Integer.toUnsignedString(b.getInt(length - 4))
                            + " does not match its leading length "
                            + length
                            + "; the file is damaged");
        }
    }

    private CapturedFrame nextPcapng() throws IOException {
        while (true) {
            long at = offset;
            int n = read(head, 0, 8);
            if (n == 0) {
                return null;
            }
            int type = n >= 4 ? ByteBuffer.wrap(head).order(order).getInt(0) : -1;
            int frame = isPacket(type) ? frames + 1 : 0;
            if (n < 8) {
                return cut(at, n, 12, blockName(type), frame);
            }
            int headLength = 8;
            if (type == PCAPNG_SHB) {
                // A new section: byte order and interfaces start afresh (pcapng §4.1).
                int m = read(head, 8, 4);
                if (m < 4) {
                    return cut(at, 8 + m, 28, blockName(type), 0);
                }
                headLength = 12;
                setSectionOrder(at);
            }
            int length = blockLength(at, type);
            if (!isPacket(type) && type != BLOCK_IDB && type != PCAPNG_SHB) {
                // Name resolution, statistics, decryption secrets, custom: no packets.
                long skipped = skip(length - headLength);
                if (skipped < length - headLength) {
                    return cut(at, headLength + skipped, length, blockName(type), 0);
                }
                continue;
            }
            byte[] block = new byte[length];
            System.arraycopy(head, 0, block, 0, headLength);
            int got = read(block, headLength, length - headLength);
            if (got < length - headLength) {
                return cut(at, headLength + got, length, blockName(type), frame);
            }
            ByteBuffer b = ByteBuffer.wrap(block).order(order);
            trailingLength(b, type, at);
            switch (type) {
                case PCAPNG_SHB -> interfaces.clear();
                case BLOCK_IDB -> interfaces.add(readInterface(b, at));
                case BLOCK_EPB -> {
                    requireBody(b, 20, type, at);
                    int number = nextNumber();
                    Interface itf = interfaceAt(b.getInt(8), at, number);
                    frames = number;
                    return timestampedPacket(b, itf, at, number);
                }
                case BLOCK_SPB -> {
                    // Simple Packet Block: interface 0, no timestamp, captured = min(snaplen,
                    // len), which is exactly what the block holds (pcapng §4.4).
                    requireBody(b, 4, type, at);
                    int number = nextNumber();
                    Interface itf = interfaceAt(0, at, number);
                    int original = b.getInt(8);
                    int captured =
                            (int) Math.min(Integer.toUnsignedLong(original), length - 4 - 12);
                    byte[] data = new byte[captured];
                    b.get(12, data);
                    frames = number;
                    return new CapturedFrame(number, 0, itf.linkType(), data, original);
                }
                case BLOCK_PACKET_OBSOLETE -> {
                    requireBody(b, 20, type, at);
                    int number = nextNumber();
                    // Interface id is 16 bits here, followed by a 16-bit drops count.
                    Interface itf = interfaceAt(Short.toUnsignedInt(b.getShort(8)), at, number);
                    frames = number;
                    return timestampedPacket(b, itf, at, number);
                }
                default -> throw new IllegalStateException("block type " + type);
            }
        }
    }

    /** The byte order from the byte-order magic at {@code head[8..12]} of a section header. */
    private void setSectionOrder(long at) throws CaptureFormatException {
        int bom = ByteBuffer.wrap(head).order(ByteOrder.BIG_ENDIAN).getInt(8);
        if (bom == PCAPNG_BYTE_ORDER_MAGIC) {
            order = ByteOrder.BIG_ENDIAN;
        } else if (Integer.reverseBytes(bom) == PCAPNG_BYTE_ORDER_MAGIC) {
            order = ByteOrder.LITTLE_ENDIAN;
        } else {
            throw format(
                    String.format(
                            "pcapng section header block at byte offset %d: byte-order magic %08x"
                                    + " is not 1a2b3c4d in either byte order; the file is damaged",
                            at, bom));
        }
    }

    /** The total length in {@code head[4..8]}, checked (pcapng §3.1). */
    private int blockLength(long at, int type) throws CaptureFormatException {
        long length = Integer.toUnsignedLong(ByteBuffer.wrap(head).order(order).getInt(4));
        int min = type == PCAPNG_SHB ? 28 : 12;
        if (length < min || (length & 3) != 0 || length > MAX_BLOCK_BYTES) {
            throw format(
                    blockName(type)
                            + " at byte offset "
                            + at
                            + " has total length "
                            + length
                            + " (a block is "
                            + min
                            + ".."
                            + MAX_BLOCK_BYTES
                            + " bytes, a multiple of 4); the file is damaged");
        }
        return (int) length;
    }

    private void requireBody(ByteBuffer b, int fixed, int type, long at)
            throws CaptureFormatException {
        int body = b.limit() - 12;
        if (body < fixed) {
            throw format(
                    blockName(type)
                            + " at byte offset "
                            + at
                            + " has a body of "
                            + body
                            + " bytes, fewer than the "
                            + fixed
                            + " its fixed fields need; the file is damaged");
        }
    }

    /**
     * The part an Enhanced Packet Block and the obsolete Packet Block share after their 32-bit
     * interface field (pcapng §4.3, Appendix A): timestamp high and low words in the interface's
     * units, captured length, original length, packet data.
     */
    private CapturedFrame timestampedPacket(ByteBuffer b, Interface itf, long at, int number)
            throws CaptureFormatException {
        long units =
                (Integer.toUnsignedLong(b.getInt(12)) << 32) | Integer.toUnsignedLong(b.getInt(16));
        long captured = Integer.toUnsignedLong(b.getInt(20));
        int original = b.getInt(24);
        int room = b.limit() - 4 - 28;
        if (captured > room) {
            throw format(
                    "frame "
                            + number
                            + " (pcapng block at byte offset "
                            + at
                            + "): captured length "
                            + captured
                            + " exceeds the "
                            + room
                            + " bytes the block holds; the file is damaged");
        }
        byte[] data = new byte[(int) captured];
        b.get(28, data);
        return new CapturedFrame(number, itf.toEpochNanos(units), itf.linkType(), data, original);
    }

    private Interface interfaceAt(int index, long at, int frame) throws CaptureFormatException {
        if (index < 0 || index >= interfaces.size()) {
            throw format(
                    "frame "
                            + frame
                            + " (pcapng block at byte offset "
                            + at
                            + ") names interface "
                            + Integer.toUnsignedString(index)
                            + " but the section describes "
                            + interfaces.size());
        }
        return interfaces.get(index);
    }

    private Interface readInterface(ByteBuffer b, long at) throws CaptureFormatException {
        requireBody(b, 8, BLOCK_IDB, at);
        int end = b.limit() - 4;
        int linkType = Short.toUnsignedInt(b.getShort(8));
        long unitsPerSecond = 1_000_000L; // default if_tsresol = 6 (microseconds)
        boolean binary = false;
        long offsetSeconds = 0;
        int opt = 16;
        while (opt + 4 <= end) {
            int code = Short.toUnsignedInt(b.getShort(opt));
            int len = Short.toUnsignedInt(b.getShort(opt + 2));
            if (code == 0) {
                break; // opt_endofopt
            }
            if (opt + 4 + len > end) {
                throw format(
                        "pcapng interface description block at byte offset "
                                + at
                                + ": option "
                                + code
                                + " of "
                                + len
                                + " bytes runs past the block; the file is damaged");
            }
            if (code == 9 && len >= 1) { // if_tsresol
                int v = b.get(opt + 4) & 0xFF;
                if ((v & 0x80) != 0) {
                    int shift = v & 0x7F;
                    if (shift > 62) {
                        throw format(
                                "pcapng interface description block at byte offset "
                                        + at
                                        + ": if_tsresol 2^-"
                                        + shift
                                        + " is finer than this reader handles (2^-62)");
                    }
                    unitsPerSecond = 1L << shift;
                    binary = true;
                } else {
                    if (v > 18) {
                        throw format(
                                "pcapng interface description block at byte offset "
                                        + at
                                        + ": if_tsresol 10^-"
                                        + v
                                        + " is finer than this reader handles (10^-18)");
                    }
                    unitsPerSecond = 1;
                    for (int i = 0; i < v; i++) {
                        unitsPerSecond *= 10;
                    }
                }
            } else if (code == 14 && len >= 8) { // if_tsoffset, seconds
                offsetSeconds = b.getLong(opt + 4);
            }
            opt += 4 + ((len + 3) & ~3);
        }
        return new Interface(linkType, unitsPerSecond, binary, offsetSeconds);
    }

    private static boolean isPacket(int type) {
        return type == BLOCK_EPB || type == BLOCK_SPB || type == BLOCK_PACKET_OBSOLETE;
    }

    private static String blockName(int type) {
        return switch (type) {
            case -1 -> "pcapng block";
            case PCAPNG_SHB -> "pcapng section header block";
            case BLOCK_IDB -> "pcapng interface description block";
            case BLOCK_PACKET_OBSOLETE -> "pcapng packet block";
            case BLOCK_SPB -> "pcapng simple packet block";
            case BLOCK_EPB -> "pcapng enhanced packet block";
            default -> "pcapng block of type 0x" + Integer.toHexString(type);
        };
    }

    private int nextNumber() throws CaptureFormatException {
        if (frames == Integer.MAX_VALUE) {
            throw format(
                    "more than "
                            + Integer.MAX_VALUE
                            + " frames; split the capture (editcap -c) and replay the parts");
        }
        return frames + 1;
    }

    private CapturedFrame cut(long at, long present, long needed, String record, int frame) {
        cut = new Cut(at, present, needed, record, frame);
        return null;
    }

    private CaptureFormatException format(String message) {
        return new CaptureFormatException(name + ": " + message);
    }

    /** Reads up to {@code len} bytes; fewer only at the end of the file. */
    private int read(byte[] b, int off, int len) throws IOException {
        int total = 0;
        while (total < len) {
            int n;
            try {
                n = in.read(b, off + total, len - total);
            } catch (IOException e) {
                throw readError(e);
            }
            if (n < 0) {
                break;
            }
            total += n;
        }
        offset += total;
        return total;
    }

    /** Skips up to {@code len} bytes; fewer only at the end of the file. */
    private long skip(long len) throws IOException {
        long total = 0;
        byte[] scratch = null;
        while (total < len) {
            long n;
            try {
                n = in.skip(len - total);
                if (n <= 0) {
                    // skip() may stop short without meaning the end: a read tells.
                    if (scratch == null) {
                        scratch = new byte[8192];
                    }
                    n = in.read(scratch, 0, (int) Math.min(scratch.length, len - total));
                    if (n < 0) {
                        break;
                    }
                }
            } catch (IOException e) {
                throw readError(e);
            }
            total += n;
        }
        offset += total;
        return total;
    }

    private IOException readError(IOException e) {
        return new IOException(
                name + ": cannot read at byte offset " + offset + ": " + e.getMessage(), e);
    }
}
