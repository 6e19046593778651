package io.weir.abi;

/** ABI.md §6.1: the type of a record's {@code value} field. */
public enum ValueType {
    NULL(0),
    BOOL(1),
    I64(2),
    U64(3),
    F64(4),
    STR(5),
    BYTES(6);

    private final int code;

    ValueType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /**
     * The type with this code, or {@code null} for a code this host does not know. §3.3: the host
     * treats an unknown value type as {@code NULL} with quality {@code BAD_PROTOCOL}.
     */
    public static ValueType ofCode(int code) {
        for (ValueType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }

    /** The type with this name, case-insensitive ({@code f64}, {@code U64}). */
    public static ValueType byName(String name) {
        for (ValueType t : values()) {
            if (t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException(
                "unknown value type \""
                        + name
                        + "\" (ABI §6.1: null, bool, i64, u64, f64, str, bytes)");
    }
}
