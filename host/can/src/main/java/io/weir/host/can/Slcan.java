package io.weir.host.can;

import io.weir.abi.CanFrame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The slcan ASCII protocol that common USB–CAN adapters speak over a serial port.
 *
 * <p>Followed: the Lawicel CAN232/CANUSB ASCII commands as Linux's {@code slcan} driver and
 * can-utils' {@code slcand} use them ({@code Sn} bit rate 0–8, {@code O} open, {@code L} open
 * listen-only, {@code C} close, {@code tiiiL…}, {@code TiiiiiiiiL…}, {@code riiiL}, {@code
 * RiiiiiiiiL}, {@code F} status flags; every command ends with CR, answered by CR for OK or BEL for
 * an error; {@code z}/{@code Z} CR after a transmitted frame; received frames may carry a 4-digit
 * millisecond timestamp), and for CAN FD the extension of the CANable 2.0 firmware ({@code
 * normaldotcom/canable2-fw src/slcan.c}, documented in {@code Nakakiyo092/canable2-fw
 * doc/1.-Command-List.md}): {@code d}/{@code D} an FD frame without bit rate switch, {@code
 * b}/{@code B} with it, the length code a hex digit 0–F (9 = 12 bytes … F = 64), {@code Yn} the
 * data bit rate, remote frames with length codes up to F, and an 8-digit microsecond timestamp.
 */
public final class Slcan {
    private Slcan() {}

    /** Lawicel {@code S0} … {@code S8}. */
    private static final int[] BITRATES = {
        10_000, 20_000, 50_000, 100_000, 125_000, 250_000, 500_000, 800_000, 1_000_000
    };

    /** The CANable 2.0 {@code Yn} data bit rates (n = 0, 1, 2, 4, 5, 8). */
    private static final int[][] DATA_BITRATES = {
        {0, 500_000}, {1, 1_000_000}, {2, 2_000_000}, {4, 4_000_000}, {5, 5_000_000}, {8, 8_000_000}
    };

    /** The longest line an adapter sends: an extended FD frame of 64 bytes with a timestamp. */
    static final int MAX_LINE = 1 + 8 + 1 + 128 + 8;

    /**
     * The {@code Sn} command for a nominal bit rate.
     *
     * @throws IllegalArgumentException naming the bit rates slcan has
     */
    public static String bitrateCommand(int bitsPerSecond) {
        for (int i = 0; i < BITRATES.length; i++) {
            if (BITRATES[i] == bitsPerSecond) {
                return "S" + i;
            }
        }
        throw new IllegalArgumentException(
                "bitrate "
                        + bitsPerSecond
                        + " has no slcan code (S0-S8: 10000, 20000, 50000, 100000, 125000, 250000,"
                        + " 500000, 800000, 1000000)");
    }

    /**
     * The {@code Yn} command for an FD data bit rate.
     *
     * @throws IllegalArgumentException naming the data bit rates the extension has
     */
    public static String dataBitrateCommand(int bitsPerSecond) {
        for (int[] d : DATA_BITRATES) {
            if (d[1] == bitsPerSecond) {
                return "Y" + d[0];
            }
        }
        throw new IllegalArgumentException(
                "databitrate "
                        + bitsPerSecond
                        + " has no slcan code (Y0-Y8: 500000, 1000000, 2000000, 4000000, 5000000,"
                        + " 8000000)");
    }

    /** The nominal bit rate of {@code Sn}, or -1. */
    public static int bitrateOf(String command) {
        if (command.length() == 2 && command.charAt(0) == 'S') {
            int n = command.charAt(1) - '0';
            if (n >= 0 && n < BITRATES.length) {
                return BITRATES[n];
            }
        }
        return -1;
    }

    /**
     * The command that transmits {@code f}, CR included. The ESI flag is the transmitter's error
     * state, set by the adapter's controller, and cannot be asked for; it is not sent.
     *
     * @throws IllegalArgumentException for a classic data frame with a length code 9–15, which
     *     slcan cannot write
     */
    public static String encode(CanFrame f) {
        StringBuilder b = new StringBuilder(MAX_LINE + 1);
        char cmd;
        if (f.remote()) {
            cmd = 'r';
        } else if (f.fd()) {
            cmd = CanFrame.Flag.BRS.isSet(f.flags()) ? 'b' : 'd';
        } else {
            if (f.dlc() > 8) {
                throw new IllegalArgumentException(
                        "slcan cannot send a classic frame with length code "
                                + f.dlc()
                                + " (0-8 only): "
                                + f);
            }
            cmd = 't';
        }
        if (f.extended()) {
            cmd = Character.toUpperCase(cmd);
            b.append(cmd).append(String.format(Locale.ROOT, "%08X", f.id()));
        } else {
            b.append(cmd).append(String.format(Locale.ROOT, "%03X", f.id()));
        }
        b.append(Character.toUpperCase(Character.forDigit(f.dlc(), 16)));
        b.append(HexFormat.of().withUpperCase().formatHex(f.data()));
        return b.append('\r').toString();
    }

    /** What one line (or a BEL) from an adapter says. */
    public sealed interface Message
            permits Received, Ok, Refused, Transmitted, Status, Reply, Garbage {}

    /** A frame from the bus. */
    public record Received(CanFrame frame) implements Message {}

    /** A lone CR: the command before it was done. */
    public record Ok() implements Message {}

    /** BEL: the command before it was refused. */
    public record Refused() implements Message {}

    /** {@code z} or {@code Z}: a frame was queued for transmission. */
    public record Transmitted() implements Message {}

    /**
     * {@code Fxx}: the status flags (bit 2 error warning, 3 data overrun, 5 error passive, 7 bus
     * error).
     */
    public record Status(int flags) implements Message {}

    /** Any other answer to a command (version, serial number, detailed status). */
    public record Reply(String text) implements Message {}

    /** Bytes that are none of the above. */
    public record Garbage(String text, String why) implements Message {}

    /**
     * Reads one line, without its CR.
     *
     * @return what it is; a malformed frame is {@link Garbage} saying what is wrong
     */
    public static Message parse(String line) {
        if (line.isEmpty()) {
            return new Ok();
        }
        char c = line.charAt(0);
        return switch (c) {
            case 't', 'T', 'r', 'R', 'd', 'D', 'b', 'B' -> frame(line);
            case 'z', 'Z' -> line.length() == 1 ? new Transmitted() : new Garbage(line, "not z/Z");
            case 'F' -> {
                if (line.length() == 3 && isHex(line, 1, 3)) {
                    yield new Status(Integer.parseInt(line.substring(1), 16));
                }
                yield new Garbage(line, "a status answer is F and two hex digits");
            }
            case 'V', 'v', 'N', 'I', 'i', 'f' -> new Reply(line);
            default -> new Garbage(line, "no slcan message starts with this");
        };
    }

    private static Message frame(String line) {
        char c = line.charAt(0);
        boolean ext = Character.isUpperCase(c);
        int idLen = ext ? 8 : 3;
        char kind = Character.toLowerCase(c);
        boolean remote = kind == 'r';
        boolean fd = kind == 'd' || kind == 'b';
        if (line.length() < 1 + idLen + 1 || !isHex(line, 1, 1 + idLen + 1)) {
            return new Garbage(line, "identifier or length code is not hex");
        }
        int id = (int) Long.parseLong(line.substring(1, 1 + idLen), 16);
        int dlc = Character.digit(line.charAt(1 + idLen), 16);
        if (!fd && !remote && dlc > 8) {
            return new Garbage(line, "a classic frame's length code is 0-8");
        }
        int len = remote ? 0 : CanFrame.dataLength(dlc, fd);
        int dataEnd = 1 + idLen + 1 + 2 * len;
        int rest = line.length() - dataEnd;
        // What follows the data is a timestamp: 4 digits (ms) or 8 (µs), or nothing.
        if (rest != 0 && rest != 4 && rest != 8) {
            return new Garbage(
                    line,
                    "length code " + Integer.toHexString(dlc) + " means " + len + " data bytes");
        }
        if (!isHex(line, 1 + idLen + 1, line.length())) {
            return new Garbage(line, "data is not hex");
        }
        int flags = (ext ? CanFrame.Flag.EXT.mask() : 0);
        if (remote) {
            flags |= CanFrame.Flag.RTR.mask();
        }
        if (fd) {
            flags |= CanFrame.Flag.FDF.mask();
            if (kind == 'b') {
                flags |= CanFrame.Flag.BRS.mask();
            }
        }
        try {
            byte[] data = HexFormat.of().parseHex(line, 1 + idLen + 1, dataEnd);
            return new Received(new CanFrame(id, flags, dlc, data));
        } catch (IllegalArgumentException e) {
            return new Garbage(line, e.getMessage());
        }
    }

    private static boolean isHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Splits what an adapter sends into messages: lines end with CR (a LF is tolerated), and a BEL
     * stands alone. A line longer than any slcan message is garbage up to its end.
     */
    public static final class Decoder {
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(MAX_LINE);
        private boolean overlong;

        public List<Message> feed(byte[] bytes) {
            List<Message> out = new ArrayList<>();
            for (byte b : bytes) {
                if (b == '\r' || b == '\n') {
                    if (b == '\n' && line.size() == 0 && !overlong) {
                        continue;
                    }
                    String text = line.toString(StandardCharsets.ISO_8859_1);
                    line.reset();
                    if (overlong) {
                        overlong = false;
                        out.add(new Garbage(text, "longer than any slcan message"));
                    } else {
                        out.add(parse(text));
                    }
                } else if (b == 7) {
                    if (line.size() > 0 || overlong) {
                        out.add(
                                new Garbage(
                                        line.toString(StandardCharsets.ISO_8859_1), "cut by BEL"));
                        line.reset();
                        overlong = false;
                    }
                    out.add(new Refused());
                } else if (line.size() >= MAX_LINE) {
                    overlong = true;
                } else {
                    line.write(b);
                }
            }
            return out;
        }

        /** Bytes waiting for their CR. */
        public int pending() {
            return line.size();
        }
    }
}
