package io.weir.tools.cli;

/**
 * Text that came from a driver or a peer (log lines, names, string values, error texts) on its way
 * to a terminal or a log: control characters are shown as {@code \\uXXXX}, so such text cannot
 * forge a log line, a table row or an escape sequence.
 */
public final class Terminal {
    private Terminal() {}

    /** {@code text} with every C0/C1 control character and DEL written as {@code \\uXXXX}. */
    public static String escape(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder b = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control =
                    c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == '\u2028' || c == '\u2029';
            if (control) {
                if (b == null) {
                    b = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                b.append(String.format("\\u%04x", (int) c));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? text : b.toString();
    }
}
