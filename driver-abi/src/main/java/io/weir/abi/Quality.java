package io.weir.abi;

/**
 * ABI.md §6.1 quality codes. "The top two bits give the class ({@code 0x0000} good, {@code 0x4000}
 * uncertain, {@code 0x8000} bad), the low bits a reason. A host that meets an unknown code uses its
 * class."
 */
public enum Quality {
    GOOD(0x0000),
    UNCERTAIN(0x4000),
    BAD(0x8000),
    BAD_COMM(0x8001),
    BAD_CONFIG(0x8002),
    BAD_DEVICE(0x8003),
    BAD_PROTOCOL(0x8004);

    /** The class of a quality code, as point lines write it. */
    public enum QualityClass {
        GOOD,
        UNCERTAIN,
        BAD;

        /** {@code good}, {@code uncertain} or {@code bad}. */
        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final int code;

    Quality(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public QualityClass qualityClass() {
        return classOf(code);
    }

    /**
     * The class of any u16 code. The class bits {@code 0xC000} (both set) are not defined by v1;
     * they are taken as bad, the safe reading.
     */
    public static QualityClass classOf(int code) {
        requireU16(code);
        return switch (code & 0xC000) {
            case 0x0000 -> QualityClass.GOOD;
            case 0x4000 -> QualityClass.UNCERTAIN;
            default -> QualityClass.BAD;
        };
    }

    /** The known quality with this code, or {@code null}. */
    public static Quality ofCode(int code) {
        for (Quality q : values()) {
            if (q.code == code) {
                return q;
            }
        }
        return null;
    }

    /** The quality with this name ({@code BAD_DEVICE}), as vector files write it. */
    public static Quality byName(String name) {
        for (Quality q : values()) {
            if (q.name().equals(name)) {
                return q;
            }
        }
        throw new IllegalArgumentException("unknown quality name \"" + name + "\" (ABI §6.1)");
    }

    /** A name for any code: the known name, else e.g. {@code BAD(0x8007)}. */
    public static String nameOf(int code) {
        Quality q = ofCode(code);
        if (q != null) {
            return q.name();
        }
        return classOf(code).name() + String.format("(0x%04x)", code);
    }

    private static void requireU16(int code) {
        if (code < 0 || code > 0xFFFF) {
            throw new IllegalArgumentException("a quality code is a u16, got " + code);
        }
    }
}
