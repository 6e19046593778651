package io.weir.tools.sim;

import java.util.Locale;

/** How a simulated value is laid out in registers (the Weir point types). */
public enum ValueKind {
    BOOL(0, false, false),
    U16(1, false, true),
    I16(1, true, true),
    U32(2, false, true),
    I32(2, true, true),
    F32(2, true, false),
    U64(4, false, true),
    I64(4, true, true),
    F64(4, true, false);

    private final int registers;
    private final boolean signed;
    private final boolean integer;

    ValueKind(int registers, boolean signed, boolean integer) {
        this.registers = registers;
        this.signed = signed;
        this.integer = integer;
    }

    /** Number of 16-bit registers the value occupies; 0 for a bit. */
    public int registers() {
        return registers;
    }

    public boolean signed() {
        return signed;
    }

    public boolean integer() {
        return integer;
    }

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ValueKind of(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "unknown type \""
                            + name
                            + "\": expected bool, u16, i16, u32, i32, f32, u64, i64 or f64");
        }
    }
}
