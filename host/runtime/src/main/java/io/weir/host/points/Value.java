package io.weir.host.points;

import io.weir.abi.ValueType;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A point value with its ABI type (ABI §6.1), the same from the driver record to the uplink batch
 * and the receiver's JSON: never an {@code Object} that a later stage has to guess at. A {@code
 * u64} above 2^63−1 stays a {@link U64}; it is not widened, narrowed or boxed into a {@code
 * BigInteger} on the way.
 */
public sealed interface Value
        permits Value.Null, Value.Bool, Value.I64, Value.U64, Value.F64, Value.Str, Value.Bytes {

    /** No value: a bad point, or a value type this host does not know (ABI §3.3). */
    Null NULL = new Null();

    Bool TRUE = new Bool(true);
    Bool FALSE = new Bool(false);

    /** The ABI value type this value travels as. */
    ValueType type();

    /**
     * The value as a JSON writer takes it: {@code null}, {@link Boolean}, {@link Long}, {@link
     * BigInteger} (a {@code u64} above 2^63−1), {@link Double} (finite), or {@link String} (text;
     * bytes in base64; {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}, which JSON numbers
     * cannot express).
     */
    Object json();

    /** The value as a table cell shows it. */
    String text();

    static Bool of(boolean b) {
        return b ? TRUE : FALSE;
    }

    static I64 i64(long v) {
        return new I64(v);
    }

    /** A {@code u64} from its 64 bits: {@code -1L} is 2^64−1. */
    static U64 u64(long bits) {
        return new U64(bits);
    }

    static F64 f64(double v) {
        return new F64(v);
    }

    static Str str(String s) {
        return new Str(s);
    }

    static Bytes bytes(byte[] b) {
        return new Bytes(b);
    }

    record Null() implements Value {
        @Override
        public ValueType type() {
            return ValueType.NULL;
        }

        @Override
        public Object json() {
            return null;
        }

        @Override
        public String text() {
            return "null";
        }
    }

    record Bool(boolean value) implements Value {
        @Override
        public ValueType type() {
            return ValueType.BOOL;
        }

        @Override
        public Object json() {
            return value;
        }

        @Override
        public String text() {
            return Boolean.toString(value);
        }
    }

    record I64(long value) implements Value {
        @Override
        public ValueType type() {
            return ValueType.I64;
        }

        @Override
        public Object json() {
            return value;
        }

        @Override
        public String text() {
            return Long.toString(value);
        }
    }

    /**
     * An unsigned 64-bit value.
     *
     * @param bits the value's 64 bits, read as unsigned
     */
    record U64(long bits) implements Value {
        @Override
        public ValueType type() {
            return ValueType.U64;
        }

        /** The value as a non-negative {@link BigInteger}. */
        public BigInteger bigValue() {
            BigInteger b = BigInteger.valueOf(bits & Long.MAX_VALUE);
            return bits < 0 ? b.setBit(63) : b;
        }

        @Override
        public Object json() {
            return bits >= 0 ? (Object) bits : bigValue();
        }

        @Override
        public String text() {
            return Long.toUnsignedString(bits);
        }

        @Override
        public String toString() {
            return "U64[" + text() + "]";
        }
    }

    /** A 64-bit float; NaN equals NaN (records compare doubles with {@link Double#compare}). */
    record F64(double value) implements Value {
        @Override
        public ValueType type() {
            return ValueType.F64;
        }

        @Override
        public Object json() {
            return Double.isFinite(value) ? (Object) value : Double.toString(value);
        }

        @Override
        public String text() {
            return Double.toString(value);
        }
    }

    record Str(String value) implements Value {
        public Str {
            if (value == null) {
                throw new IllegalArgumentException("a string value is never null; use NULL");
            }
        }

        @Override
        public ValueType type() {
            return ValueType.STR;
        }

        @Override
        public Object json() {
            return value;
        }

        @Override
        public String text() {
            return value;
        }

        /** The UTF-8 bytes. */
        public byte[] utf8() {
            return value.getBytes(StandardCharsets.UTF_8);
        }
    }

    /**
     * Bytes, compared by content. The array is not copied: whoever builds a {@code Bytes} hands the
     * array over and must not change it afterwards.
     */
    record Bytes(byte[] value) implements Value {
        public Bytes {
            if (value == null) {
                throw new IllegalArgumentException("a bytes value is never null; use NULL");
            }
        }

        @Override
        public ValueType type() {
            return ValueType.BYTES;
        }

        @Override
        public Object json() {
            return Base64.getEncoder().encodeToString(value);
        }

        @Override
        public String text() {
            return HexFormat.of().formatHex(value);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes b && Arrays.equals(value, b.value);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "Bytes[" + text() + "]";
        }
    }
}
