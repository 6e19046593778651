package io.weir.tools.sim;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One simulated value: where it lives, how it is laid out and how it moves.
 *
 * @param area the Modbus area
 * @param address the 0-based address as carried in the PDU
 * @param kind the value's type ({@link ValueKind#BOOL} for coils and discrete inputs)
 * @param order the byte/word order of a multi-register value
 * @param generator how the value changes
 * @param name the plant name clients should show for the value (e.g. {@code boiler_temp_c}), or
 *     {@code null} to go by its location
 */
public record SimPoint(
        Area area, int address, ValueKind kind, WordOrder order, Generator generator, String name) {

    /**
     * What a point name may contain: lower-case tag characters only, so the name is the same in a
     * JSON line, a file name, a URL path and a shell argument, without quoting.
     */
    public static final Pattern NAME = Pattern.compile("[a-z0-9_./-]{1,64}");

    /** A value without a plant name. */
    public SimPoint(Area area, int address, ValueKind kind, WordOrder order, Generator generator) {
        this(area, address, kind, order, generator, null);
    }

    public SimPoint {
        Objects.requireNonNull(area);
        Objects.requireNonNull(kind);
        Objects.requireNonNull(order);
        Objects.requireNonNull(generator);
        String where = area.key() + "." + address;
        if (name != null && !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    where
                            + ": name \""
                            + name
                            + "\" must be 1 to 64 of a-z 0-9 _ . / - (e.g. boiler_temp_c)");
        }
        if (address < 0 || address > 0xFFFF) {
            throw new IllegalArgumentException(where + ": address must be 0..65535");
        }
        if (area.bits() != (kind == ValueKind.BOOL)) {
            throw new IllegalArgumentException(
                    where
                            + ": type "
                            + kind.key()
                            + (area.bits()
                                    ? " does not fit a bit area (use bool)"
                                    : " is not a register type (bool is for coils and discrete inputs)"));
        }
        if (address + Math.max(1, kind.registers()) - 1 > 0xFFFF) {
            throw new IllegalArgumentException(
                    where + ": a " + kind.key() + " runs past address 65535");
        }
    }

    /** Number of addresses the value occupies. */
    public int width() {
        return Math.max(1, kind.registers());
    }

    /** Where the value lives, {@code <area>/<address>} as {@code weir replay} names it. */
    public String location() {
        return area.key() + "/" + address;
    }

    /** The plant name if the map gives one, else the {@link #location()}. */
    public String pointName() {
        return name != null ? name : location();
    }

    /** The raw register words for the value at time {@code t}, or one 0/1 word for a bit. */
    public int[] words(double t) {
        double v = generator.valueAt(t);
        if (kind == ValueKind.BOOL) {
            return new int[] {v != 0 ? 1 : 0};
        }
        long bits =
                switch (kind) {
                    case F32 -> Integer.toUnsignedLong(Float.floatToIntBits((float) v));
                    case F64 -> Double.doubleToLongBits(v);
                    default -> integerBits(v);
                };
        return order.toRegisters(bits, kind.registers());
    }

    /** Rounds to the type's integer range, clamping at its ends (no surprising wrap-around). */
    private long integerBits(double v) {
        int bitsWide = 16 * kind.registers();
        double r = Math.rint(v);
        if (kind == ValueKind.U64) {
            if (r <= 0) {
                return 0;
            }
            return r >= 0x1p64 ? -1L : new java.math.BigDecimal(r).toBigInteger().longValue();
        }
        long lo = kind.signed() ? -(1L << (bitsWide - 1)) : 0;
        long hi =
                kind.signed()
                        ? (1L << (bitsWide - 1)) - 1
                        : (bitsWide == 64 ? Long.MAX_VALUE : (1L << bitsWide) - 1);
        long x = r <= lo ? lo : r >= hi ? hi : (long) r;
        return bitsWide == 64 ? x : x & ((1L << bitsWide) - 1);
    }
}
