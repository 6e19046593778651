package io.weir.abi;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * One 24-byte point record (ABI.md §6.1), fields as the driver wrote them. The value type and flags
 * are kept raw so that a host can apply §3.3 (unknown type → {@code NULL} with {@code
 * BAD_PROTOCOL}, unknown flag bits ignored).
 *
 * @param point u32 point index, or with {@link RecordFlag#NAMED} the blob offset of the name
 * @param vtype u8 value-type code ({@link ValueType})
 * @param flags u8 flag bits ({@link RecordFlag})
 * @param quality u16 quality code ({@link Quality})
 * @param tsUs device timestamp in µs with {@link RecordFlag#DEVICE_TS}, else 0
 * @param value the 8 value bytes read as a little-endian i64
 */
public record PointRecord(long point, int vtype, int flags, int quality, long tsUs, long value) {

    /** One field of the record, as ABI.md's §6.1 table lists it. */
    public record Field(int offset, int size, String name) {}

    /** The record's fields in order. */
    public static final java.util.List<Field> FIELDS =
            java.util.List.of(
                    new Field(0, 4, "point"),
                    new Field(4, 1, "vtype"),
                    new Field(5, 1, "flags"),
                    new Field(6, 2, "quality"),
                    new Field(8, 8, "ts_us"),
                    new Field(16, 8, "value"));

    public PointRecord {
        if (point < 0 || point > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("record point must be a u32, got " + point);
        }
        if (vtype < 0 || vtype > 0xFF) {
            throw new IllegalArgumentException("record vtype must be a u8, got " + vtype);
        }
        if (flags < 0 || flags > 0xFF) {
            throw new IllegalArgumentException("record flags must be a u8, got " + flags);
        }
        if (quality < 0 || quality > 0xFFFF) {
            throw new IllegalArgumentException("record quality must be a u16, got " + quality);
        }
    }

    /** Decodes the record at {@code buf[off .. off+24]}. */
    public static PointRecord decode(byte[] buf, int off) {
        if (off < 0 || buf.length - off < Abi.RECORD_SIZE) {
            throw new IllegalArgumentException(
                    "a point record needs 24 bytes at offset "
                            + off
                            + ", buffer has "
                            + buf.length);
        }
        return new PointRecord(
                u32(buf, off) & 0xFFFF_FFFFL,
                buf[off + 4] & 0xFF,
                buf[off + 5] & 0xFF,
                (buf[off + 6] & 0xFF) | (buf[off + 7] & 0xFF) << 8,
                i64(buf, off + 8),
                i64(buf, off + 16));
    }

    /** Writes this record to {@code buf[off .. off+24]} as §6.1 lays it out. */
    public void encode(byte[] buf, int off) {
        putU32(buf, off, (int) point);
        buf[off + 4] = (byte) vtype;
        buf[off + 5] = (byte) flags;
        buf[off + 6] = (byte) quality;
        buf[off + 7] = (byte) (quality >>> 8);
        putI64(buf, off + 8, tsUs);
        putI64(buf, off + 16, value);
    }

    /** The 24 bytes of this record. */
    public byte[] toBytes() {
        byte[] b = new byte[Abi.RECORD_SIZE];
        encode(b, 0);
        return b;
    }

    /** The known value type, or {@code null} for a code this host does not know (§3.3). */
    public ValueType valueType() {
        return ValueType.ofCode(vtype);
    }

    public boolean named() {
        return RecordFlag.NAMED.isSet(flags);
    }

    public boolean deviceTimestamp() {
        return RecordFlag.DEVICE_TS.isSet(flags);
    }

    /** §6.3 (1.1): the outcome of a write, not a reading. */
    public boolean writeResult() {
        return RecordFlag.WRITE_RESULT.isSet(flags);
    }

    /** §6.3 (1.1): the status of the device or its link, not a point. */
    public boolean deviceStatus() {
        return RecordFlag.DEVICE_STATUS.isSet(flags);
    }

    /**
     * §6.3: what is wrong with a {@code DEVICE_STATUS} record (its {@code point} must be 0, and it
     * is neither {@code NAMED} nor {@code WRITE_RESULT}), or {@code null}.
     */
    public String deviceStatusProblem() {
        if (!deviceStatus()) {
            return null;
        }
        if (point != 0) {
            return "a DEVICE_STATUS record has point " + point + "; ABI §6.3 says 0";
        }
        if (named() || writeResult()) {
            return "a DEVICE_STATUS record must not be NAMED or WRITE_RESULT (ABI §6.3)";
        }
        return null;
    }

    /** A {@code DEVICE_STATUS} record with no value (§6.3). */
    public static PointRecord deviceStatus(Quality quality) {
        return new PointRecord(
                0, ValueType.NULL.code(), RecordFlag.DEVICE_STATUS.mask(), quality.code(), 0, 0);
    }

    /** The value of an {@code F64} record. */
    public double f64() {
        return Double.longBitsToDouble(value);
    }

    /** For {@code STR}/{@code BYTES}: the u32 blob offset in the first 4 value bytes. */
    public long blobOffset() {
        return value & 0xFFFF_FFFFL;
    }

    /** For {@code STR}/{@code BYTES}: the u32 length in the last 4 value bytes. */
    public long blobLength() {
        return value >>> 32;
    }

    /** A record of a point index with a good or bad quality, for tests and encoders. */
    public static PointRecord of(long point, ValueType type, Quality quality, long value) {
        return new PointRecord(point, type.code(), 0, quality.code(), 0, value);
    }

    /**
     * Reads a name as §6.2 stores it: a u16 little-endian length, then that many bytes of UTF-8, at
     * {@code offset} in {@code blob[0..used]}.
     *
     * @throws IllegalArgumentException if the name does not lie inside {@code blob[0..used]} or is
     *     not valid UTF-8, naming what was wrong
     */
    public static String readName(byte[] blob, int used, long offset) {
        if (used < 0 || used > blob.length) {
            throw new IllegalArgumentException(
                    "blob_used " + used + " is outside the blob (" + blob.length + " bytes)");
        }
        if (offset < 0 || offset + 2 > used) {
            throw new IllegalArgumentException(
                    "record name at blob offset " + offset + " lies beyond blob_used " + used);
        }
        int off = (int) offset;
        int len = (blob[off] & 0xFF) | (blob[off + 1] & 0xFF) << 8;
        if (len == 0) {
            throw new IllegalArgumentException(
                    "record name at blob offset " + offset + " is empty");
        }
        if (off + 2 + len > used) {
            throw new IllegalArgumentException(
                    "record name at blob offset "
                            + offset
                            + " has length "
                            + len
                            + ", which runs past blob_used "
                            + used);
        }
        return utf8(blob, off + 2, len, "record name at blob offset " + offset);
    }

    /**
     * The bytes of a {@code STR} or {@code BYTES} value: {@code blob[blobOffset .. +blobLength]},
     * which must lie inside {@code blob[0..used]}.
     */
    public byte[] blobBytes(byte[] blob, int used) {
        long off = blobOffset();
        long len = blobLength();
        if (off + len > used) {
            throw new IllegalArgumentException(
                    "record value at blob offset "
                            + off
                            + " with length "
                            + len
                            + " runs past blob_used "
                            + used);
        }
        byte[] out = new byte[(int) len];
        System.arraycopy(blob, (int) off, out, 0, (int) len);
        return out;
    }

    /** The text of a {@code STR} value (§2.8: UTF-8). */
    public String blobText(byte[] blob, int used) {
        byte[] b = blobBytes(blob, used);
        return utf8(b, 0, b.length, "string value at blob offset " + blobOffset());
    }

    private static String utf8(byte[] b, int off, int len, String what) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(b, off, len))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(
                    what + " is not valid UTF-8: " + HexFormat.of().formatHex(b, off, off + len));
        }
    }

    static int u32(byte[] b, int off) {
        return (b[off] & 0xFF)
                | (b[off + 1] & 0xFF) << 8
                | (b[off + 2] & 0xFF) << 16
                | (b[off + 3] & 0xFF) << 24;
    }

    static long i64(byte[] b, int off) {
        return (u32(b, off) & 0xFFFF_FFFFL) | ((long) u32(b, off + 4)) << 32;
    }

    static void putU32(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }

    static void putI64(byte[] b, int off, long v) {
        putU32(b, off, (int) v);
        putU32(b, off + 4, (int) (v >>> 32));
    }
}
