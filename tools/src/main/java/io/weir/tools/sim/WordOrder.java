package io.weir.tools.sim;

import java.util.Locale;

/**
 * Byte and word order of a multi-register value. {@code A} is the most significant byte: ABCD is
 * big-endian (Modbus's own register order), CDAB swaps the 16-bit words, BADC swaps the bytes of
 * every word, DCBA does both (little-endian). For 64-bit values the same rule applies to four
 * words.
 */
public enum WordOrder {
    ABCD(false, false),
    CDAB(true, false),
    BADC(false, true),
    DCBA(true, true);

    private final boolean swapWords;
    private final boolean swapBytes;

    WordOrder(boolean swapWords, boolean swapBytes) {
        this.swapWords = swapWords;
        this.swapBytes = swapBytes;
    }

    /** Splits the big-endian value {@code bits} of {@code words} registers into register values. */
    public int[] toRegisters(long bits, int words) {
        int[] regs = new int[words];
        for (int i = 0; i < words; i++) {
            int w = (int) (bits >>> (16 * (words - 1 - i))) & 0xFFFF;
            if (swapBytes) {
                w = ((w & 0xFF) << 8) | (w >>> 8);
            }
            regs[swapWords ? words - 1 - i : i] = w;
        }
        return regs;
    }

    public static WordOrder of(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "unknown order \"" + name + "\": expected ABCD, CDAB, BADC or DCBA");
        }
    }
}
