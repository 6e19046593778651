package io.weir.tools.sim;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The STEP 7 type of a simulated value: how many bytes it takes and how a generator's number is
 * stored in them (big-endian, as S7 CPUs store data).
 *
 * @param key the type's STEP 7 name, e.g. {@code REAL} or {@code STRING[20]}
 * @param size bytes in memory (a BOOL: the byte its bit lives in)
 * @param kind how the bytes hold the value
 */
public record S7Type(String key, int size, Kind kind) {

    /** How the bytes of a type hold a value. */
    public enum Kind {
        BOOL,
        UNSIGNED,
        SIGNED,
        FLOAT,
        CHAR,
        STRING,
        TIMER,
        COUNTER
    }

    public static final S7Type BOOL = new S7Type("BOOL", 1, Kind.BOOL);
    public static final S7Type BYTE = new S7Type("BYTE", 1, Kind.UNSIGNED);
    public static final S7Type CHAR = new S7Type("CHAR", 1, Kind.CHAR);
    public static final S7Type SINT = new S7Type("SINT", 1, Kind.SIGNED);
    public static final S7Type USINT = new S7Type("USINT", 1, Kind.UNSIGNED);
    public static final S7Type WORD = new S7Type("WORD", 2, Kind.UNSIGNED);
    public static final S7Type INT = new S7Type("INT", 2, Kind.SIGNED);
    public static final S7Type UINT = new S7Type("UINT", 2, Kind.UNSIGNED);
    public static final S7Type DWORD = new S7Type("DWORD", 4, Kind.UNSIGNED);
    public static final S7Type DINT = new S7Type("DINT", 4, Kind.SIGNED);
    public static final S7Type UDINT = new S7Type("UDINT", 4, Kind.UNSIGNED);
    public static final S7Type REAL = new S7Type("REAL", 4, Kind.FLOAT);
    public static final S7Type LREAL = new S7Type("LREAL", 8, Kind.FLOAT);
    public static final S7Type TIMER = new S7Type("TIMER", 2, Kind.TIMER);
    public static final S7Type COUNTER = new S7Type("COUNTER", 2, Kind.COUNTER);

    private static final S7Type[] NAMED = {
        BOOL, BYTE, CHAR, SINT, USINT, WORD, INT, UINT, DWORD, DINT, UDINT, REAL, LREAL
    };

    /** {@code STRING[n]}: a maximum length byte, an actual length byte, n characters. */
    public static S7Type string(int length) {
        if (length < 1 || length > 254) {
            throw new IllegalArgumentException("STRING length " + length + " is not 1..254");
        }
        return new S7Type("STRING[" + length + "]", length + 2, Kind.STRING);
    }

    /** The type named {@code name} (any case); STRING without a length holds 254 characters. */
    public static S7Type of(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        for (S7Type t : NAMED) {
            if (t.key.equals(upper)) {
                return t;
            }
        }
        if (upper.equals("STRING")) {
            return string(254);
        }
        if (upper.matches("STRING\\[\\d{1,3}]")) {
            return string(Integer.parseInt(upper.substring(7, upper.length() - 1)));
        }
        throw new IllegalArgumentException(
                "unknown type \""
                        + name
                        + "\": expected BOOL, BYTE, CHAR, SINT, USINT, WORD, INT, UINT, DWORD, DINT,"
                        + " UDINT, REAL, LREAL or STRING[n]");
    }

    public boolean isString() {
        return kind == Kind.STRING;
    }

    /** The characters a STRING holds. */
    public int length() {
        return size - 2;
    }

    /**
     * The bytes of {@code v} in this type; integers are rounded and clamped to the type's range (a
     * sine never wraps around), a timer is seconds (the smallest time base that holds it), a
     * counter 0..999.
     */
    public byte[] encode(double v) {
        ByteBuffer b = ByteBuffer.allocate(size);
        switch (kind) {
            case BOOL -> b.put((byte) (v != 0 ? 1 : 0));
            case FLOAT -> {
                if (size == 4) {
                    b.putFloat((float) v);
                } else {
                    b.putDouble(v);
                }
            }
            case UNSIGNED, SIGNED -> {
                int bits = 8 * size;
                long lo = kind == Kind.SIGNED ? -(1L << (bits - 1)) : 0;
                long hi = kind == Kind.SIGNED ? (1L << (bits - 1)) - 1 : (1L << bits) - 1;
                double r = Math.rint(v);
                long x = r <= lo ? lo : r >= hi ? hi : (long) r;
                for (int i = size - 1; i >= 0; i--) {
                    b.put((byte) (x >> (8 * i)));
                }
            }
            case TIMER -> {
                // S7 timer word: time base (10 ms, 100 ms, 1 s, 10 s) in bits 12-13, three BCD
                // digits below it.
                double seconds = Math.max(0, Math.min(9990, v));
                double[] bases = {0.01, 0.1, 1, 10};
                int base = 0;
                while (Math.rint(seconds / bases[base]) > 999) {
                    base++;
                }
                b.putShort((short) (base << 12 | bcd((int) Math.rint(seconds / bases[base]))));
            }
            case COUNTER -> b.putShort((short) bcd((int) Math.max(0, Math.min(999, Math.rint(v)))));
            case CHAR, STRING ->
                    throw new IllegalArgumentException(key + " holds text, not numbers");
        }
        return b.array();
    }

    /** The bytes of a STRING or CHAR holding {@code text} (ISO 8859-1, cut to the length). */
    public byte[] encode(String text) {
        byte[] chars = text.getBytes(StandardCharsets.ISO_8859_1);
        if (kind == Kind.CHAR) {
            return new byte[] {chars.length == 0 ? 0 : chars[0]};
        }
        if (kind != Kind.STRING) {
            throw new IllegalArgumentException(key + " holds numbers, not text");
        }
        int n = Math.min(chars.length, length());
        byte[] b = new byte[size];
        b[0] = (byte) length();
        b[1] = (byte) n;
        System.arraycopy(chars, 0, b, 2, n);
        return b;
    }

    private static int bcd(int v) {
        return (v / 100) << 8 | (v / 10 % 10) << 4 | v % 10;
    }
}
