package io.weir.host.serial;

import java.util.Locale;

/**
 * The character format of a serial line: baud rate, data bits, parity and stop bits. Every device
 * on one port shares it: a UART has one setting.
 *
 * @param baud bits per second, 50 … 4000000
 * @param dataBits 5 … 8
 * @param parity the parity bit, or {@link Parity#NONE}
 * @param stopBits 1, 1.5 or 2
 */
public record LineSettings(int baud, int dataBits, Parity parity, double stopBits) {

    /** The parity bit of each character. */
    public enum Parity {
        NONE('N'),
        EVEN('E'),
        ODD('O'),
        MARK('M'),
        SPACE('S');

        private final char letter;

        Parity(char letter) {
            this.letter = letter;
        }

        /** {@code N}, {@code E}, {@code O}, {@code M} or {@code S}, as addresses write it. */
        public char letter() {
            return letter;
        }

        /**
         * @throws IllegalArgumentException naming the letters that are allowed
         */
        public static Parity of(String text) {
            if (text.length() == 1) {
                char c = Character.toUpperCase(text.charAt(0));
                for (Parity p : values()) {
                    if (p.letter == c) {
                        return p;
                    }
                }
            }
            for (Parity p : values()) {
                if (p.name().equalsIgnoreCase(text)) {
                    return p;
                }
            }
            throw new IllegalArgumentException(
                    "parity \""
                            + text
                            + "\" is not N, E, O, M or S (none, even, odd, mark, space)");
        }
    }

    /**
     * Modbus over Serial Line v1.02 §2.5.1: 19200 baud, 8 data bits, even parity, 1 stop bit is the
     * default every device must support.
     */
    public static final LineSettings MODBUS_DEFAULT = new LineSettings(19200, 8, Parity.EVEN, 1);

    /** §2.5.1.1: above 19200 baud the silences are fixed (1750 µs for 3.5 characters). */
    private static final long FIXED_SILENCE_NANOS = 1_750_000;

    public LineSettings {
        if (baud < 50 || baud > 4_000_000) {
            throw new IllegalArgumentException("baud must be 50..4000000, got " + baud);
        }
        if (dataBits < 5 || dataBits > 8) {
            throw new IllegalArgumentException("data bits must be 5..8, got " + dataBits);
        }
        if (parity == null) {
            throw new IllegalArgumentException("parity must be given (N for none)");
        }
        if (stopBits != 1 && stopBits != 1.5 && stopBits != 2) {
            throw new IllegalArgumentException("stop bits must be 1, 1.5 or 2, got " + stopBits);
        }
    }

    /** Bits on the wire per character: start bit, data bits, parity bit if any, stop bits. */
    public double bitsPerCharacter() {
        return 1 + dataBits + (parity == Parity.NONE ? 0 : 1) + stopBits;
    }

    /** The time one character takes on the wire. */
    public long characterNanos() {
        return Math.round(bitsPerCharacter() * 1e9 / baud);
    }

    /** The time {@code n} characters take on the wire. */
    public long nanosFor(int n) {
        return Math.round(n * bitsPerCharacter() * 1e9 / baud);
    }

    /**
     * The silence that ends a Modbus RTU frame (ABI v1.1 §7.10, Modbus over Serial Line v1.02
     * §2.5.1.1): 3.5 character times at these settings, and 1750 µs above 19200 baud, where the
     * standard fixes it so that a UART's interrupt latency cannot end a frame early.
     */
    public long frameSilenceNanos() {
        if (baud > 19200) {
            return FIXED_SILENCE_NANOS;
        }
        return Math.round(3.5 * bitsPerCharacter() * 1e9 / baud);
    }

    /** E.g. {@code 19200 8E1}. */
    @Override
    public String toString() {
        String stop = stopBits == 1.5 ? "1.5" : Integer.toString((int) stopBits);
        return String.format(Locale.ROOT, "%d %d%c%s", baud, dataBits, parity.letter, stop);
    }
}
