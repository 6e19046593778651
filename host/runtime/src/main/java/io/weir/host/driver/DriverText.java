package io.weir.host.driver;

import io.weir.abi.Abi;
import java.nio.charset.StandardCharsets;

/**
 * Text a driver hands the host to show (log messages, panic messages, {@code weir_last_error}), as
 * the host passes it on: at most 1024 bytes (ABI §3.1), UTF-8 with malformed input replaced, and
 * every control character written as {@code \\uXXXX}, so that a driver cannot forge a log line or
 * send an escape sequence to an operator's terminal. Point names and string values are data and are
 * passed on as the driver wrote them; whoever prints them escapes them.
 */
public final class DriverText {
    private DriverText() {}

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /**
     * Whether a terminal would act on {@code c} rather than show it: C0 and C1 controls, DEL, the
     * line and paragraph separators, and the bidirectional marks, embeddings, overrides and
     * isolates that can make a line read differently from what it holds (CVE-2021-42574).
     */
    static boolean control(char c) {
        return c < 0x20
                || (c >= 0x7F && c <= 0x9F)
                || c == '\u2028'
                || c == '\u2029'
                || c == '\u200E'
                || c == '\u200F'
                || (c >= '\u202A' && c <= '\u202E')
                || (c >= '\u2066' && c <= '\u2069');
    }

    /** {@code text} with every character {@link #control} names written as {@code \\uXXXX}. */
    public static String escape(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder b = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (control(c)) {
                if (b == null) {
                    b = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                b.append("\\u")
                        .append(HEX[c >>> 12 & 0xF])
                        .append(HEX[c >>> 8 & 0xF])
                        .append(HEX[c >>> 4 & 0xF])
                        .append(HEX[c & 0xF]);
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? text : b.toString();
    }

    /**
     * The first {@code Abi.LOG_MESSAGE_MAX_BYTES} of {@code bytes}, decoded and escaped, with a
     * note of the full length when they were cut.
     *
     * @param bytes what the host read, possibly already cut
     * @param fullLength how many bytes the driver gave
     */
    public static String of(byte[] bytes, long fullLength) {
        int n = (int) Math.min(bytes.length, Abi.LOG_MESSAGE_MAX_BYTES);
        String text = escape(new String(bytes, 0, n, StandardCharsets.UTF_8));
        return fullLength > n ? text + "… (truncated from " + fullLength + " bytes)" : text;
    }
}
