package io.weir.tools.config;

/**
 * Text from a driver, a peer or a config file made safe for a terminal: control and format
 * characters (escape sequences, carriage returns, bidirectional overrides) are shown as {@code
 * \\uXXXX}, and very long text is cut, so that a message can neither rewrite the screen nor hide
 * what it says.
 */
public final class TerminalText {
    /** Longer text is cut: a driver's {@code err} region may be large. */
    public static final int MAX_CHARS = 512;

    private TerminalText() {}

    public static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(Math.min(text.length(), MAX_CHARS) + 16);
        int shown = 0;
        for (int i = 0; i < text.length(); i++) {
            if (shown >= MAX_CHARS) {
                b.append("… (").append(text.length() - i).append(" more characters)");
                break;
            }
            char c = text.charAt(i);
            int type = Character.getType(c);
            if (type == Character.CONTROL
                    || type == Character.FORMAT
                    || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR
                    || type == Character.SURROGATE
                            && !(Character.isHighSurrogate(c)
                                    && i + 1 < text.length()
                                    && Character.isLowSurrogate(text.charAt(i + 1)))
                            && !(Character.isLowSurrogate(c)
                                    && i > 0
                                    && Character.isHighSurrogate(text.charAt(i - 1)))) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
            shown++;
        }
        return b.toString();
    }

    /** {@code "text"}, escaped: for values quoted in a message. */
    public static String quote(String text) {
        return "\"" + escape(text) + "\"";
    }
}
