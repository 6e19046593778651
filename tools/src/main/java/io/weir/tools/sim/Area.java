package io.weir.tools.sim;

import java.util.Locale;

/**
 * The four Modbus data areas (Modbus Application Protocol v1.1b §4.3), named as in Weir configs.
 */
public enum Area {
    COIL("coil", true),
    DISCRETE("discrete", true),
    HOLDING("holding", false),
    INPUT("input", false);

    private final String key;
    private final boolean bits;

    Area(String key, boolean bits) {
        this.key = key;
        this.bits = bits;
    }

    public String key() {
        return key;
    }

    public boolean bits() {
        return bits;
    }

    public static Area of(String name) {
        for (Area a : values()) {
            if (a.key.equals(name.toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new IllegalArgumentException(
                "unknown area \"" + name + "\": expected coil, discrete, holding or input");
    }
}
