package io.weir.host.can;

/** Peer text made safe for a log line or a terminal. */
final class Text {
    private Text() {}

    /** Printable ASCII as it is, everything else as {@code \xNN}; at most 64 characters shown. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder();
        int n = Math.min(s.length(), 64);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7F && c != '\\') {
                b.append(c);
            } else {
                b.append(String.format(java.util.Locale.ROOT, "\\x%02x", (int) c & 0xFF));
            }
        }
        if (s.length() > n) {
            b.append('…');
        }
        return b.toString();
    }
}
