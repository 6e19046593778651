package io.weir.abi;

/** ABI.md §8: the negative return codes of data-plane exports. */
public enum AbiError {
    E_INVAL(-1, "an argument is out of range"),
    E_NOSPACE(-2, "a region is too small for the output"),
    E_NODEV(-3, "the device is not open"),
    E_ORDER(-4, "call out of order"),
    E_PROTO(-5, "malformed frame, or a frame that does not answer the request"),
    E_UNSUPPORTED(-7, "the driver does not implement this call or request"),
    E_CONFIG(-8, "the config text is invalid"),
    E_SCHEMA(-9, "the state payload is of an unknown schema"),
    E_RESYNC(-10, "framing lost"),
    /**
     * 1.2, §7.13: {@code weir_on_bytes} found no complete frame yet; {@code meta.need} says more.
     */
    E_PARTIAL(-11, "no complete frame yet"),
    E_INTERNAL(-99, "driver failure");

    private final int code;
    private final String meaning;

    AbiError(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    /** A short description for messages. */
    public String meaning() {
        return meaning;
    }

    /**
     * The error for a negative return code. §8: "A host meets an unknown negative code as
     * E_INTERNAL."
     *
     * @throws IllegalArgumentException if {@code code} is not negative
     */
    public static AbiError of(int code) {
        if (code >= 0) {
            throw new IllegalArgumentException("error codes are negative, got " + code);
        }
        for (AbiError e : values()) {
            if (e.code == code) {
                return e;
            }
        }
        return E_INTERNAL;
    }

    /** The error with this name (e.g. {@code E_PROTO}), as vector files write it. */
    public static AbiError byName(String name) {
        for (AbiError e : values()) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown ABI error name \"" + name + "\"");
    }
}
