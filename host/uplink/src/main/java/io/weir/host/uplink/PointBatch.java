package io.weir.host.uplink;

import io.weir.host.points.Point;
import io.weir.host.points.Value;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The plaintext payload of one envelope: a batch of points in the compact binary encoding of
 * UPLINK.md §3 ("WPB1"), optionally deflated before sealing. The gateway id is not repeated here:
 * it is in the envelope header, which the AEAD authenticates.
 */
public final class PointBatch {
    /** UPLINK.md §3: first byte of every point-batch payload. */
    public static final int FORMAT_VERSION = 1;

    static final int T_NULL = 0;
    static final int T_FALSE = 1;
    static final int T_TRUE = 2;
    static final int T_INT64 = 3;
    static final int T_FLOAT64 = 4;
    static final int T_STRING = 5;
    static final int T_BYTES = 6;

    /** An unsigned 64-bit integer, as an unsigned LEB128 varint (added beside T_INT64). */
    static final int T_UINT64 = 7;

    /** Refuse to inflate a payload larger than this (a decompression bomb is a malformed batch). */
    public static final int MAX_PLAIN_BYTES = 64 << 20;

    private PointBatch() {}

    /** Thrown when a decrypted payload does not follow UPLINK.md §3. */
    public static final class MalformedBatch extends Exception {
        public MalformedBatch(String message) {
            super(message);
        }
    }

    /** Encodes points per UPLINK.md §3 (uncompressed). */
    public static byte[] encode(List<Point> points) {
        Writer w = new Writer(32 + points.size() * 24);
        Map<String, Integer> index = new HashMap<>();
        List<String> table = new ArrayList<>();
        int[] refs = new int[points.size() * 3];
        int r = 0;
        for (Point p : points) {
            refs[r++] = intern(index, table, p.device());
            refs[r++] = intern(index, table, p.point());
            refs[r++] = p.error() == null ? -1 : intern(index, table, p.error());
        }
        w.u8(FORMAT_VERSION);
        w.varint(table.size());
        for (String s : table) {
            w.string(s);
        }
        w.varint(points.size());
        long base = points.isEmpty() ? 0 : points.get(0).tsMillis();
        w.i64(base);
        long prevTs = base;
        r = 0;
        for (Point p : points) {
            w.varint(refs[r++]);
            w.varint(refs[r++]);
            w.varint(refs[r++] + 1L);
            w.u16(p.quality());
            w.zigzag(p.tsMillis() - prevTs);
            prevTs = p.tsMillis();
            writeValue(w, p.value());
        }
        return w.toByteArray();
    }

    private static int intern(Map<String, Integer> index, List<String> table, String s) {
        Integer i = index.get(s);
        if (i == null) {
            i = table.size();
            index.put(s, i);
            table.add(s);
        }
        return i;
    }

    private static void writeValue(Writer w, Value v) {
        switch (v.type()) {
            case NULL -> w.u8(T_NULL);
            case BOOL -> w.u8(((Value.Bool) v).value() ? T_TRUE : T_FALSE);
            case I64 -> {
                w.u8(T_INT64);
                w.zigzag(((Value.I64) v).value());
            }
            case U64 -> {
                w.u8(T_UINT64);
                w.varint(((Value.U64) v).bits());
            }
            case F64 -> {
                w.u8(T_FLOAT64);
                w.i64(Double.doubleToRawLongBits(((Value.F64) v).value()));
            }
            case STR -> {
                w.u8(T_STRING);
                w.string(((Value.Str) v).value());
            }
            case BYTES -> {
                byte[] b = ((Value.Bytes) v).value();
                w.u8(T_BYTES);
                w.varint(b.length);
                w.bytes(b, 0, b.length);
            }
            default -> throw new IllegalStateException("value type " + v.type() + " unhandled");
        }
    }

    /** Decodes a UPLINK.md §3 payload (uncompressed). */
    public static List<Point> decode(byte[] data) throws MalformedBatch {
        Reader rd = new Reader(data);
        int version = rd.u8();
        if (version != FORMAT_VERSION) {
            throw new MalformedBatch(
                    "point batch format " + version + " unknown (this receiver reads 1)");
        }
        int nStrings = rd.count("string table size");
        String[] table = new String[nStrings];
        for (int i = 0; i < nStrings; i++) {
            table[i] = rd.string();
        }
        int n = rd.count("point count");
        List<Point> out = new ArrayList<>(n);
        long ts = rd.i64();
        for (int i = 0; i < n; i++) {
            String device = rd.ref(table, false);
            String point = rd.ref(table, false);
            String error = rd.ref(table, true);
            int quality = rd.u16();
            ts += rd.zigzag();
            Value value = readValue(rd);
            out.add(new Point(device, point, value, quality, ts, error));
        }
        if (rd.pos != data.length) {
            throw new MalformedBatch(
                    (data.length - rd.pos) + " trailing bytes after " + n + " points");
        }
        return out;
    }

    private static Value readValue(Reader rd) throws MalformedBatch {
        int tag = rd.u8();
        return switch (tag) {
            case T_NULL -> Value.NULL;
            case T_FALSE -> Value.FALSE;
            case T_TRUE -> Value.TRUE;
            case T_INT64 -> Value.i64(rd.zigzag());
            case T_UINT64 -> Value.u64(rd.varint());
            case T_FLOAT64 -> Value.f64(Double.longBitsToDouble(rd.i64()));
            case T_STRING -> Value.str(rd.string());
            case T_BYTES -> Value.bytes(rd.bytes(rd.count("byte value length")));
            default -> throw new MalformedBatch("value type tag " + tag + " unknown");
        };
    }

    /** Raw DEFLATE (RFC 1951, no zlib header) at the given level. */
    public static byte[] deflate(byte[] plain, int level) {
        Deflater d = new Deflater(level, true);
        try {
            d.setInput(plain);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(plain.length / 3 + 64);
            byte[] buf = new byte[Math.max(4096, plain.length / 4)];
            while (!d.finished()) {
                int k = d.deflate(buf);
                out.write(buf, 0, k);
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    /** Inverse of {@link #deflate}; bounded by {@link #MAX_PLAIN_BYTES}. */
    public static byte[] inflate(byte[] compressed) throws MalformedBatch {
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(compressed);
            ByteArrayOutputStream out = new ByteArrayOutputStream(compressed.length * 4);
            byte[] buf = new byte[Math.max(8192, compressed.length * 2)];
            while (!inf.finished()) {
                int k = inf.inflate(buf);
                if (k == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    throw new MalformedBatch("deflate stream truncated");
                }
                out.write(buf, 0, k);
                if (out.size() > MAX_PLAIN_BYTES) {
                    throw new MalformedBatch(
                            "payload inflates beyond " + MAX_PLAIN_BYTES + " bytes");
                }
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new MalformedBatch("deflate stream corrupt: " + e.getMessage());
        } finally {
            inf.end();
        }
    }

    private static final class Writer {
        byte[] buf;
        int pos;

        Writer(int capacity) {
            buf = new byte[capacity];
        }

        void ensure(int n) {
            if (pos + n > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
            }
        }

        void u8(int v) {
            ensure(1);
            buf[pos++] = (byte) v;
        }

        void u16(int v) {
            ensure(2);
            buf[pos++] = (byte) (v >>> 8);
            buf[pos++] = (byte) v;
        }

        void i64(long v) {
            ensure(8);
            for (int s = 56; s >= 0; s -= 8) {
                buf[pos++] = (byte) (v >>> s);
            }
        }

        /** Unsigned LEB128. */
        void varint(long v) {
            ensure(10);
            while ((v & ~0x7FL) != 0) {
                buf[pos++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[pos++] = (byte) v;
        }

        void zigzag(long v) {
            varint((v << 1) ^ (v >> 63));
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            varint(b.length);
            bytes(b, 0, b.length);
        }

        void bytes(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, buf, pos, len);
            pos += len;
        }

        byte[] toByteArray() {
            return java.util.Arrays.copyOf(buf, pos);
        }
    }

    private static final class Reader {
        final byte[] buf;
        int pos;

        Reader(byte[] buf) {
            this.buf = buf;
        }

        void need(int n) throws MalformedBatch {
            if (n < 0 || buf.length - pos < n) {
                throw new MalformedBatch(
                        "point batch truncated at byte " + pos + " (needed " + n + " more)");
            }
        }

        int u8() throws MalformedBatch {
            need(1);
            return buf[pos++] & 0xFF;
        }

        int u16() throws MalformedBatch {
            need(2);
            int v = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
            pos += 2;
            return v;
        }

        long i64() throws MalformedBatch {
            need(8);
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (buf[pos++] & 0xFF);
            }
            return v;
        }

        long varint() throws MalformedBatch {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = u8();
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new MalformedBatch("varint longer than 10 bytes at byte " + pos);
        }

        long zigzag() throws MalformedBatch {
            long v = varint();
            return (v >>> 1) ^ -(v & 1);
        }

        int count(String what) throws MalformedBatch {
            long v = varint();
            if (v < 0 || v > buf.length - pos) {
                // Every counted item takes at least one byte, so a larger count is a lie.
                throw new MalformedBatch(what + " " + v + " exceeds the remaining bytes");
            }
            return (int) v;
        }

        String string() throws MalformedBatch {
            int n = count("string length");
            String s = new String(buf, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }

        byte[] bytes(int n) throws MalformedBatch {
            need(n);
            byte[] b = java.util.Arrays.copyOfRange(buf, pos, pos + n);
            pos += n;
            return b;
        }

        String ref(String[] table, boolean optional) throws MalformedBatch {
            long i = varint();
            if (optional) {
                if (i == 0) {
                    return null;
                }
                i--;
            }
            if (i < 0 || i >= table.length) {
                throw new MalformedBatch(
                        "string reference " + i + " outside the table of " + table.length);
            }
            return table[(int) i];
        }
    }
}
