package io.weir.tools.replay;

import io.weir.abi.AbiError;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Runs a text file of serial frames (Modbus RTU) through a driver, one line at a time: memory does
 * not grow with the file.
 *
 * <p>The file holds the frames in the order they crossed the line, one frame per line, as hex
 * digits (two per byte, a checksum included); blank lines and lines starting with {@code #} are
 * ignored. A line of several whitespace-separated columns, such as the sigrok-derived {@code
 * *.frames.txt} of the corpus, has the frame in its last column and its direction in a column that
 * reads {@code req} or {@code resp}; a line whose columns are all two-digit hex bytes is one frame
 * written byte by byte.
 *
 * <p>Nothing here knows the protocol. A serial line carries one request at a time, so the line is
 * one conversation of {@link ReplayEngine} on one device (with the host key {@code
 * weir.transport=serial}, ABI §5.1): a request's correlation key comes from {@code weir_observe}
 * (§7.12), a response is framed by the driver as the bytes of a serial line would be ({@code
 * weir_frame_len}, and at the line's end, which is the line falling silent, {@code weir_frame_end})
 * and must be the whole line, else it is garbage (a wrong checksum, a frame cut short). A request
 * still waiting when the next one comes is reported unanswered. Without a direction column a line
 * is the response when a request waits and the driver frames the whole line with the waiting
 * request's key (or either has none); otherwise it is a request. A line that is not hex stops the
 * replay (what was read is reported and counted, the error names file and line).
 */
public final class SerialReplay {
    /** Serial Line §2.5.1: the largest Modbus RTU frame; longer lines are refused unread. */
    static final int MAX_ADU = 256;

    /** A line longer than this cannot hold a frame plus a few columns; it is refused unread. */
    static final int MAX_LINE = 64 * 1024;

    private final ReplayDriver driver;
    private final String file;
    private final Consumer<ReplayLine> out;
    private final ReplaySummary summary = ReplaySummary.rtu();
    private final ReplayEngine engine;
    private final ReplayEngine.Conversation line;
    private long waitingKey;

    /**
     * @param driver the driver, agreed on ABI 1.1 and replaying a {@code serial} link (it adds the
     *     host key {@code weir.transport=serial}, ABI §5.1)
     * @param file the file's name, for error messages
     * @param out where report lines go
     * @param config the device config of the line's device (ABI §5): {@code "device\n"} for
     *     discovery mode, or a point map
     */
    public SerialReplay(ReplayDriver driver, String file, Consumer<ReplayLine> out, String config) {
        this.driver = driver;
        this.file = file;
        this.out = out;
        this.engine = new ReplayEngine(driver, config, out, summary, ReplayEngine.MAX_OUTSTANDING);
        this.line = engine.conversation(null);
    }

    /** Discovery mode. */
    public SerialReplay(ReplayDriver driver, String file, Consumer<ReplayLine> out) {
        this(driver, file, out, "device\n");
    }

    /** Which way a frame travelled. */
    enum Direction {
        REQUEST,
        RESPONSE,
        /** No direction column: decided from the request before it. */
        UNKNOWN
    }

    /** One frame of the file: its 1-based line number, bytes and direction. */
    record Frame(int line, byte[] bytes, Direction direction) {}

    /** A line that is not a frame: the replay stops there. */
    public static final class BadLine extends IOException {
        private static final long serialVersionUID = 1L;

        BadLine(String message) {
            super(message);
        }
    }

    /** Also writes what the driver decoded as golden vectors (--vectors). */
    public SerialReplay vectors(ReplayVectors vectors) {
        engine.vectors(vectors);
        return this;
    }

    /**
     * Replays every line of {@code in}; a line that is not a frame stops the reading, not the
     * report: what was read is finished and counted, and the error is in {@link
     * ReplaySummary#failure()}.
     */
    public ReplaySummary replay(BufferedReader in) {
        int lineNo = 0;
        try {
            String line;
            while ((line = readLine(in, lineNo + 1)) != null) {
                lineNo++;
                Frame f = parse(line, lineNo);
                if (f != null) {
                    accept(f);
                }
            }
        } catch (BadLine e) {
            summary.failure = e;
        } catch (CharacterCodingException e) {
            summary.failure =
                    new BadLine(
                            file
                                    + ":"
                                    + (lineNo + 1)
                                    + ": not text (bytes that are not UTF-8); --rtu reads frames"
                                    + " written in hex, one per line (a pcap goes to --pcap)");
        } catch (IOException e) {
            summary.failure =
                    new IOException(file + ": line " + (lineNo + 1) + ": " + e.getMessage(), e);
        }
        finish();
        return summary;
    }

    private String readLine(BufferedReader in, int lineNo) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (b.length() == MAX_LINE) {
                throw new BadLine(
                        file
                                + ":"
                                + lineNo
                                + ": line longer than "
                                + MAX_LINE
                                + " characters; an RTU frame is at most "
                                + MAX_ADU
                                + " bytes");
            }
            b.append((char) c);
        }
        if (c == -1 && b.length() == 0) {
            return null;
        }
        int n = b.length();
        if (n > 0 && b.charAt(n - 1) == '\r') {
            b.setLength(n - 1);
        }
        return b.toString();
    }

    /** The frame on a line, or null for a blank or comment line. */
    Frame parse(String line, int lineNo) throws BadLine {
        String s = line.strip();
        if (s.isEmpty() || s.startsWith("#")) {
            return null;
        }
        String[] cols = s.split("\\s+");
        String hex;
        Direction dir = Direction.UNKNOWN;
        if (cols.length == 1) {
            hex = cols[0];
        } else if (allBytes(cols)) {
            hex = String.join("", cols);
        } else {
            hex = cols[cols.length - 1];
            for (int i = 0; i < cols.length - 1; i++) {
                String c = cols[i].toLowerCase(Locale.ROOT);
                Direction d =
                        c.equals("req")
                                ? Direction.REQUEST
                                : c.equals("resp") ? Direction.RESPONSE : null;
                if (d != null) {
                    if (dir != Direction.UNKNOWN && dir != d) {
                        throw bad(lineNo, "has both a req and a resp column");
                    }
                    dir = d;
                }
            }
            if (dir == Direction.UNKNOWN) {
                throw bad(
                        lineNo,
                        "has "
                                + cols.length
                                + " columns but none says req or resp (the direction of the frame"
                                + " in the last column)");
            }
        }
        if (hex.length() % 2 != 0 || !isHex(hex)) {
            throw bad(
                    lineNo,
                    "\""
                            + ReplayCommand.printable(abbreviate(hex))
                            + "\" is not a frame in hex (two hex digits per byte, CRC included)");
        }
        byte[] bytes = HexFormat.of().parseHex(hex);
        return new Frame(lineNo, bytes, dir);
    }

    private BadLine bad(int lineNo, String why) {
        return new BadLine(file + ":" + lineNo + ": " + why);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    private static boolean allBytes(String[] cols) {
        for (String c : cols) {
            if (c.length() != 2 || !isHex(c)) {
                return false;
            }
        }
        return true;
    }

    /** ASCII hex digits only: Character.digit would take other scripts' digits too. */
    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    void accept(Frame f) {
        summary.frames++;
        if (f.bytes().length > MAX_ADU) {
            garbage(
                    f,
                    f.bytes().length + " bytes are longer than any serial frame (" + MAX_ADU + ")");
            return;
        }
        Direction dir = f.direction();
        ReplayDriver.Framing framing = null;
        if (dir == Direction.UNKNOWN) {
            dir = Direction.REQUEST;
            if (line.hasWaiting()) {
                framing = frame(f.bytes());
                long k = framing.corr();
                if (framing.status() == f.bytes().length
                        && (k == 0 || waitingKey == 0 || k == waitingKey)) {
                    dir = Direction.RESPONSE;
                }
            }
        }
        if (dir == Direction.REQUEST) {
            request(f);
        } else {
            response(f, framing != null ? framing : frame(f.bytes()));
        }
    }

    /**
     * The driver frames the line as the bytes of a serial line: {@code weir_frame_len}, then, since
     * the line's end is the line falling silent, {@code weir_frame_end}; {@code how} in the
     * answer's skip field is not used.
     */
    private ReplayDriver.Framing frame(byte[] b) {
        int dev = line.dev();
        ReplayDriver.Framing fl = driver.frameLen(dev, b, 0, b.length);
        if (fl.status() == 0) {
            ReplayDriver.Framing fe = driver.frameEnd(dev, b);
            return new ReplayDriver.Framing(fe.status(), -1, fe.corr());
        }
        return fl;
    }

    private void request(Frame req) {
        line.giveUpOldest(
                "request without a response before the next request (line " + req.line() + ")");
        // §7.12: weir_observe gives the request's key (and adopts it; it is adopted again when
        // its response comes). A request the driver refuses still waits, without a key, so that
        // its response is reported with the driver's reason.
        ReplayDriver.Outcome o = driver.observe(line.dev(), req.bytes());
        waitingKey = o.ok() ? o.corr() : 0;
        line.request(engine.framed(req.bytes(), req.line(), null, 0L, waitingKey));
    }

    private void response(Frame resp, ReplayDriver.Framing f) {
        byte[] b = resp.bytes();
        int n = f.status();
        if (n != b.length) {
            summary.responses++;
            String how = f.skip() == -1 ? "weir_frame_end" : "weir_frame_len";
            String why =
                    n == AbiError.E_RESYNC.code()
                            ? "the driver's framing rejects it (" + how + " E_RESYNC)"
                            : n == 0
                                    ? "the driver's framing finds no complete frame in it ("
                                            + how
                                            + " 0)"
                                    : n == AbiError.E_UNSUPPORTED.code()
                                            ? "the driver cannot end a frame at the line's silence"
                                                    + " (weir_frame_end E_UNSUPPORTED)"
                                            : n > 0
                                                    ? "the driver's framing ends the frame after "
                                                            + n
                                                            + " of the line's "
                                                            + b.length
                                                            + " bytes"
                                                    : "the driver's framing failed ("
                                                            + how
                                                            + " "
                                                            + ReplayEngine.errorName(n)
                                                            + ")";
            garbage(resp, "response of " + b.length + " bytes: " + why);
            return;
        }
        line.response(engine.framed(b, resp.line(), null, 0L, f.corr()));
    }

    private void garbage(Frame f, String why) {
        summary.garbageBytes += f.bytes().length;
        out.accept(
                ReplayLine.keyed(
                        ReplayLine.GARBAGE, null, null, f.line(), 0, (long) f.bytes().length, why));
    }

    private void finish() {
        line.finish("request without a response at the end of the file");
    }
}
