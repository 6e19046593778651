package io.weir.host.can;

import io.weir.abi.CanFrame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The socketcand protocol (linux-can/socketcand, {@code doc/protocol.md}, and what its daemon
 * actually writes and reads in raw mode, {@code src/state_nobus.c} and {@code src/state_raw.c}):
 * ASCII elements between {@code <} and {@code >} over one TCP connection.
 *
 * <pre>
 * server: &lt; hi &gt;          client: &lt; open can0 &gt;     server: &lt; ok &gt;
 * client: &lt; rawmode &gt;     server: &lt; ok &gt;
 * server: &lt; frame 123 23.424242 11223344 &gt;            (classic; the daemon writes the data
 *                                                      as one hex string, the document with spaces)
 * server: &lt; fdframe 123 01 23.424242 112233445566778899AABBCC &gt;  (FD; flags: 1 BRS, 2 ESI, 4 FDF)
 * server: &lt; rtr 123 23.424242 4 &gt;                    (remote frame, its length code)
 * server: &lt; error 004 23.424242 &gt;                    (an error frame, its class)
 * client: &lt; send 123 4 11 22 33 44 &gt;   &lt; sendrtr 123 4 &gt;   &lt; fdsend 123 1 12 11 … &gt;
 * </pre>
 *
 * An identifier of 8 hex digits is an extended one (the daemon's {@code element_length(buf, 2) ==
 * 8}).
 */
public final class Socketcand {
    private Socketcand() {}

    /** The longest element the daemon writes: an extended FD frame of 64 bytes. */
    static final int MAX_ELEMENT = 256;

    /** What one element says. */
    public sealed interface Message permits Frame, Hi, Ok, Echo, ErrorText, ErrorFrame, Other {}

    /** A frame from the bus, with the server's timestamp in µs since the epoch. */
    public record Frame(CanFrame frame, long timestampMicros) implements Message {}

    public record Hi() implements Message {}

    public record Ok() implements Message {}

    public record Echo() implements Message {}

    /** {@code < error … >} with a text: a refused command or bus. */
    public record ErrorText(String text) implements Message {}

    /** {@code < error CLASS secs >}: an error frame on the bus. */
    public record ErrorFrame(int errorClass) implements Message {}

    /** Anything else, or a malformed frame ({@code why} says what is wrong). */
    public record Other(String element, String why) implements Message {}

    /** Reads one element, the text between {@code <} and {@code >}. */
    public static Message parse(String element) {
        String[] t = element.trim().split("\\s+");
        if (t.length == 0 || t[0].isEmpty()) {
            return new Other(element, "empty element");
        }
        try {
            return switch (t[0]) {
                case "hi" -> new Hi();
                case "ok" -> new Ok();
                case "echo" -> new Echo();
                case "frame" -> classic(t);
                case "fdframe" -> fd(t);
                case "rtr" -> rtr(t);
                case "error" -> error(element, t);
                default -> new Other(element, "not a message of raw mode");
            };
        } catch (IllegalArgumentException e) {
            return new Other(element, e.getMessage());
        }
    }

    private static Message classic(String[] t) {
        if (t.length < 3) {
            throw new IllegalArgumentException("a frame needs an identifier and a time");
        }
        byte[] data = data(t, 3);
        if (data.length > 8) {
            throw new IllegalArgumentException(data.length + " data bytes in a classic frame");
        }
        int flags = extended(t[1]) ? CanFrame.Flag.EXT.mask() : 0;
        return new Frame(new CanFrame(id(t[1]), flags, data.length, data), micros(t[2]));
    }

    private static Message fd(String[] t) {
        if (t.length < 4) {
            throw new IllegalArgumentException("an fdframe needs an identifier, flags and a time");
        }
        int canfd = hex(t[2], "flags");
        byte[] data = data(t, 4);
        int dlc = CanFrame.fdDlcOf(data.length);
        if (dlc < 0) {
            throw new IllegalArgumentException(data.length + " data bytes is no FD length");
        }
        int flags = CanFrame.Flag.FDF.mask() | (extended(t[1]) ? CanFrame.Flag.EXT.mask() : 0);
        if ((canfd & 0x01) != 0) {
            flags |= CanFrame.Flag.BRS.mask();
        }
        if ((canfd & 0x02) != 0) {
            flags |= CanFrame.Flag.ESI.mask();
        }
        return new Frame(new CanFrame(id(t[1]), flags, dlc, data), micros(t[3]));
    }

    private static Message rtr(String[] t) {
        if (t.length != 4) {
            throw new IllegalArgumentException("an rtr is: rtr ID SECONDS DLC");
        }
        int dlc = Integer.parseInt(t[3]);
        int flags = CanFrame.Flag.RTR.mask() | (extended(t[1]) ? CanFrame.Flag.EXT.mask() : 0);
        return new Frame(new CanFrame(id(t[1]), flags, dlc, new byte[0]), micros(t[2]));
    }

    private static Message error(String element, String[] t) {
        // "< error 004 1.5 >" is an error frame; "< error could not open bus >" a refusal.
        if (t.length == 3 && t[1].matches("[0-9A-Fa-f]{1,8}") && t[2].matches("\\d+\\.\\d+")) {
            return new ErrorFrame((int) Long.parseLong(t[1], 16));
        }
        String text = element.trim();
        return new ErrorText(text.length() > 6 ? text.substring(6).trim() : "");
    }

    private static boolean extended(String id) {
        return id.length() == 8;
    }

    private static int id(String text) {
        if (text.length() != 3 && text.length() != 8) {
            throw new IllegalArgumentException(
                    "identifier \"" + text + "\" is not 3 hex digits (11-bit) or 8 (29-bit)");
        }
        long v = Long.parseLong(text, 16);
        return (int) v;
    }

    private static int hex(String text, String what) {
        try {
            return Integer.parseInt(text, 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " \"" + text + "\" is not hex");
        }
    }

    private static long micros(String text) {
        int dot = text.indexOf('.');
        try {
            if (dot < 0) {
                return Long.parseLong(text) * 1_000_000;
            }
            String frac = (text.substring(dot + 1) + "000000").substring(0, 6);
            return Long.parseLong(text.substring(0, dot)) * 1_000_000 + Long.parseLong(frac);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("time \"" + text + "\" is not seconds.micros");
        }
    }

    private static byte[] data(String[] t, int from) {
        StringBuilder hex = new StringBuilder();
        for (int i = from; i < t.length; i++) {
            hex.append(t[i]);
        }
        if (hex.length() % 2 != 0) {
            throw new IllegalArgumentException("data \"" + hex + "\" is not whole hex bytes");
        }
        try {
            return HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("data \"" + hex + "\" is not hex");
        }
    }

    /**
     * The command that transmits {@code f}: {@code send}, {@code sendrtr} or {@code fdsend}, with
     * the identifier as 3 or 8 hex digits and every data byte as its own hex number (the daemon
     * reads them with {@code %hhx}).
     */
    public static String encode(CanFrame f) {
        String id =
                f.extended()
                        ? String.format(Locale.ROOT, "%08X", f.id())
                        : String.format(Locale.ROOT, "%03X", f.id());
        StringBuilder b = new StringBuilder("< ");
        byte[] data = f.data();
        if (f.remote()) {
            b.append("sendrtr ").append(id).append(' ').append(f.dlc());
        } else if (f.fd()) {
            int canfd = CanFrame.Flag.BRS.isSet(f.flags()) ? 1 : 0;
            b.append("fdsend ")
                    .append(id)
                    .append(' ')
                    .append(canfd)
                    .append(' ')
                    .append(data.length);
        } else {
            if (f.dlc() > 8) {
                throw new IllegalArgumentException(
                        "socketcand cannot send a classic frame with length code "
                                + f.dlc()
                                + ": "
                                + f);
            }
            b.append("send ").append(id).append(' ').append(data.length);
        }
        for (byte d : data) {
            b.append(' ').append(String.format(Locale.ROOT, "%02X", d & 0xFF));
        }
        return b.append(" >").toString();
    }

    /** {@code < frame … >} as the daemon writes a received frame (for the simulator). */
    public static String frameElement(CanFrame f, long timestampMicros) {
        String id =
                f.extended()
                        ? String.format(Locale.ROOT, "%08X", f.id())
                        : String.format(Locale.ROOT, "%03X", f.id());
        String time =
                String.format(
                        Locale.ROOT,
                        "%d.%06d",
                        Math.floorDiv(timestampMicros, 1_000_000),
                        Math.floorMod(timestampMicros, 1_000_000));
        String hex = HexFormat.of().withUpperCase().formatHex(f.data());
        if (f.remote()) {
            return "< rtr " + id + " " + time + " " + f.dlc() + " >";
        }
        if (f.fd()) {
            int canfd =
                    0x04
                            | (CanFrame.Flag.BRS.isSet(f.flags()) ? 0x01 : 0)
                            | (CanFrame.Flag.ESI.isSet(f.flags()) ? 0x02 : 0);
            return String.format(Locale.ROOT, "< fdframe %s %02X %s %s >", id, canfd, time, hex);
        }
        return "< frame " + id + " " + time + " " + hex + " >";
    }

    /**
     * Splits a stream into elements. Bytes outside {@code < … >} (other than white space) and an
     * element longer than any the protocol has are garbage, reported through {@link #garbage()}.
     */
    public static final class Decoder {
        private final ByteArrayOutputStream element = new ByteArrayOutputStream(MAX_ELEMENT);
        private boolean inside;
        private boolean overlong;
        private long garbage;

        public List<String> feed(byte[] bytes, int off, int len) {
            List<String> out = new ArrayList<>();
            for (int i = off; i < off + len; i++) {
                byte b = bytes[i];
                if (!inside) {
                    if (b == '<') {
                        inside = true;
                        element.reset();
                        overlong = false;
                    } else if (b != ' ' && b != '\r' && b != '\n' && b != '\t') {
                        garbage++;
                    }
                } else if (b == '>') {
                    inside = false;
                    if (overlong) {
                        garbage += element.size();
                    } else {
                        out.add(element.toString(StandardCharsets.ISO_8859_1));
                    }
                } else if (b == '<') {
                    // An element cut short: count it, start the new one.
                    garbage += element.size() + 1;
                    element.reset();
                    overlong = false;
                } else if (element.size() >= MAX_ELEMENT) {
                    overlong = true;
                    garbage++;
                } else {
                    element.write(b);
                }
            }
            return out;
        }

        /** Garbage bytes so far. */
        public long garbage() {
            return garbage;
        }
    }
}
