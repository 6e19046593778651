package io.weir.host.can;

import io.weir.abi.CanFrame;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line of a {@code candump -l} log (can-utils): {@code (1436509052.249713) can0 123#DEADBEEF},
 * with FD frames as {@code 123##1…}, remote frames as {@code 123#R}, and optionally a direction
 * flag {@code T} (sent) or {@code R} (received) after the frame, which newer candump writes with
 * {@code -x}.
 *
 * @param micros the timestamp in µs (seconds since the epoch, or since the capture started)
 * @param iface the interface the frame was seen on, e.g. {@code can0}
 * @param frame the frame
 */
public record CandumpLine(long micros, String iface, CanFrame frame) {

    private static final Pattern LINE =
            Pattern.compile("\\((\\d+)\\.(\\d{1,9})\\)\\s+(\\S+)\\s+(\\S+)(?:\\s+([TR]))?\\s*");

    /** What a line of a log holds. */
    public sealed interface Parsed permits Frame, ErrorFrame, Blank, Malformed {}

    public record Frame(CandumpLine line) implements Parsed {}

    /**
     * An error frame: candump writes the identifier with {@code CAN_ERR_FLAG} (bit 29) set, e.g.
     * {@code 20000080#0000000000000000}.
     */
    public record ErrorFrame(long micros, String iface, String text) implements Parsed {}

    /** An empty line or a comment ({@code #}). */
    public record Blank() implements Parsed {}

    /** A line that is no candump log line; {@code why} says what is wrong. */
    public record Malformed(String why) implements Parsed {}

    public static Parsed parse(String text) {
        String s = text.strip();
        if (s.isEmpty() || s.startsWith("#")) {
            return new Blank();
        }
        Matcher m = LINE.matcher(s);
        if (!m.matches()) {
            return new Malformed("not \"(seconds.micros) interface ID#DATA\" as candump -l writes");
        }
        String frac = (m.group(2) + "000000").substring(0, 6);
        long micros;
        try {
            micros =
                    Math.addExact(
                            Math.multiplyExact(Long.parseLong(m.group(1)), 1_000_000L),
                            Long.parseLong(frac));
        } catch (ArithmeticException | NumberFormatException e) {
            return new Malformed("timestamp " + m.group(1) + " is out of range");
        }
        String iface = m.group(3);
        String f = m.group(4);
        int hash = f.indexOf('#');
        if (hash == 8
                && f.substring(0, 8).matches("[0-9A-Fa-f]{8}")
                && (Long.parseLong(f.substring(0, 8), 16) & 0x2000_0000L) != 0) {
            return new ErrorFrame(micros, iface, f);
        }
        try {
            return new Frame(new CandumpLine(micros, iface, CanFrame.parseCandump(f)));
        } catch (IllegalArgumentException e) {
            return new Malformed(e.getMessage());
        }
    }

    /** The line as candump -l writes it. */
    public String format() {
        return String.format(
                        java.util.Locale.ROOT,
                        "(%d.%06d) ",
                        Math.floorDiv(micros, 1_000_000),
                        Math.floorMod(micros, 1_000_000))
                + iface
                + " "
                + frame.toCandump();
    }
}
