package io.weir.tools.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs a text file of Modbus RTU frames through a driver, one line at a time: memory does not grow
 * with the file.
 *
 * <p>The file holds the frames in the order they crossed the line, one frame per line, as hex
 * digits (two per byte, the CRC included); blank lines and lines starting with {@code #} are
 * ignored. A line of several whitespace-separated columns, such as the sigrok-derived {@code
 * *.frames.txt} of the corpus, has the frame in its last column and its direction in a column that
 * reads {@code req} or {@code resp}; a line whose columns are all two-digit hex bytes is one frame
 * written byte by byte. Without a direction column a line is the response to the request before it
 * when that request is still unanswered and the line comes from the same slave with the same
 * function code (the correlation key of ABI §7.12 for RTU); otherwise it is a request.
 *
 * <p>RTU has no transaction identifier and one request at a time on a line (Modbus over Serial Line
 * v1.02 §2.1), so a response pairs with the request before it. The pair goes to a device opened in
 * discovery mode on a serial link (the host key {@code weir.transport=serial}) for the request's
 * slave: {@code weir_observe(request)}, then {@code weir_on_frame(response)}, so the driver itself
 * refuses a response from another slave or to another function, in its own words. Each response is
 * framed by the driver first: {@code weir_frame_len}, and at the line's end, which is the line's
 * silence, {@code weir_frame_end}. A frame whose CRC is wrong is reported as {@code bad_crc} and is
 * never decoded; a line that is not hex stops the replay (what was read is reported and counted,
 * the error names file and line).
 *
 * <p>Only the first two bytes (slave address, function code) and the CRC are read here, to pair
 * frames and to say which frame a report line is about; every value comes from the driver.
 */
public final class ModbusRtuReplay {
    private static final int E_UNSUPPORTED = -7;
    private static final int E_PROTO = -5;
    private static final int E_RESYNC = -10;

    /** Serial Line §2.5.1: the largest RTU frame. */
    static final int MAX_ADU = 256;

    /** A line longer than this cannot hold a frame plus a few columns; it is refused unread. */
    static final int MAX_LINE = 64 * 1024;

    private final ReplayDriver driver;
    private final String file;
    private final Consumer<ReplayLine> out;
    private final ReplaySummary summary = ReplaySummary.rtu();
    private final Map<Integer, Integer> devices = new HashMap<>();
    private Integer framingDevice;
    private Frame pending;

    /**
     * @param driver the driver, agreed on ABI 1.1 and replaying a {@code serial} link (it adds the
     *     host key {@code weir.transport=serial}, ABI §5.1)
     * @param file the file's name, for error messages
     * @param out where report lines go
     */
    public ModbusRtuReplay(ReplayDriver driver, String file, Consumer<ReplayLine> out) {
        this.driver = driver;
        this.file = file;
        this.out = out;
    }

    /** Which way a frame travelled. */
    enum Direction {
        REQUEST,
        RESPONSE,
        /** No direction column: decided from the request before it. */
        UNKNOWN
    }

    /** One frame of the file: its 1-based line number, bytes and direction. */
    record Frame(int line, byte[] bytes, Direction direction) {
        int slave() {
            return bytes[0] & 0xFF;
        }

        int functionCode() {
            return bytes.length > 1 ? bytes[1] & 0xFF : -1;
        }

        Integer plainFunction() {
            return bytes.length > 1 ? bytes[1] & 0x7F : null;
        }

        Integer exceptionCode() {
            return bytes.length > 2 && (bytes[1] & 0x80) != 0 ? bytes[2] & 0xFF : null;
        }
    }

    /** A line that is not a frame: the replay stops there. */
    public static final class BadLine extends IOException {
        private static final long serialVersionUID = 1L;

        BadLine(String message) {
            super(message);
        }
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
        if (f.bytes().length < 4 || f.bytes().length > MAX_ADU) {
            garbage(
                    f,
                    f.bytes().length
                            + " bytes are no RTU frame (4 to "
                            + MAX_ADU
                            + " bytes: address, function code, data, CRC)");
            return;
        }
        int carried =
                (f.bytes()[f.bytes().length - 2] & 0xFF)
                        | (f.bytes()[f.bytes().length - 1] & 0xFF) << 8;
        int computed = crc16(f.bytes(), f.bytes().length - 2);
        if (carried != computed) {
            summary.badCrc++;
            summary.garbageBytes += f.bytes().length;
            out.accept(
                    ReplayLine.other(
                            ReplayLine.BAD_CRC,
                            null,
                            null,
                            f.line(),
                            f.slave(),
                            null,
                            f.plainFunction(),
                            null,
                            (long) f.bytes().length,
                            String.format(
                                    "%s with CRC 0x%04x, 0x%04x computed over its bytes: line"
                                            + " noise, not decoded",
                                    f.direction() == Direction.REQUEST
                                            ? "request"
                                            : f.direction() == Direction.RESPONSE
                                                    ? "response"
                                                    : "frame",
                                    carried,
                                    computed)));
            return;
        }
        Direction dir = f.direction();
        if (dir == Direction.UNKNOWN) {
            dir =
                    pending != null
                                    && pending.slave() == f.slave()
                                    && (pending.functionCode() & 0x7F) == (f.functionCode() & 0x7F)
                            ? Direction.RESPONSE
                            : Direction.REQUEST;
        }
        if (dir == Direction.REQUEST) {
            request(f);
        } else {
            response(f);
        }
    }

    private void request(Frame req) {
        summary.requests++;
        if (pending != null) {
            unanswered(
                    pending,
                    "request without a response before the next request (line " + req.line() + ")");
        }
        if (req.slave() > 247) {
            // Serial Line §2.2: 248..255 are reserved; no device has such an address.
            summary.skipped++;
            out.accept(
                    ReplayLine.other(
                            ReplayLine.SKIPPED,
                            null,
                            null,
                            req.line(),
                            req.slave(),
                            null,
                            req.plainFunction(),
                            null,
                            null,
                            "request to slave "
                                    + req.slave()
                                    + ", a reserved address (1..247 are slaves): nothing to decode"));
            pending = null;
            return;
        }
        if (req.slave() == 0) {
            // Serial Line §2.1: no slave answers a broadcast; nothing to pair, nothing to decode.
            summary.skipped++;
            out.accept(
                    ReplayLine.other(
                            ReplayLine.SKIPPED,
                            null,
                            null,
                            req.line(),
                            0,
                            null,
                            req.plainFunction(),
                            null,
                            null,
                            "broadcast request (slave 0): no slave answers it, nothing to decode"));
            pending = null;
            return;
        }
        pending = req;
    }

    private void response(Frame resp) {
        summary.responses++;
        // The driver frames the line as it would the bytes of a serial line: weir_frame_len, then,
        // since the line's end is the line falling silent, weir_frame_end.
        int dev = framing();
        byte[] b = resp.bytes();
        ReplayDriver.Framing fl = driver.frameLen(dev, b, 0, b.length);
        int n = fl.status();
        String how = "weir_frame_len";
        if (n == 0) {
            fl = driver.frameEnd(dev, b);
            n = fl.status();
            how = "weir_frame_end";
        }
        if (n != b.length) {
            String why =
                    n == E_RESYNC
                            ? "the driver's framing rejects it (" + how + " E_RESYNC)"
                            : n == 0
                                    ? "the driver's framing finds no complete frame in it ("
                                            + how
                                            + " 0)"
                                    : n == E_UNSUPPORTED
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
                                                            + n
                                                            + ")";
            garbage(resp, "response of " + b.length + " bytes: " + why);
            return;
        }
        Frame req = pending;
        pending = null;
        if (req == null) {
            summary.unsolicited++;
            out.accept(
                    ReplayLine.other(
                            ReplayLine.UNSOLICITED,
                            null,
                            null,
                            resp.line(),
                            resp.slave(),
                            null,
                            resp.plainFunction(),
                            resp.exceptionCode(),
                            (long) b.length,
                            "response without a request before it in the file (slave "
                                    + resp.slave()
                                    + ", function code "
                                    + resp.plainFunction()
                                    + ")"));
            return;
        }
        summary.pairs++;
        exchange(req, resp);
    }

    private void exchange(Frame req, Frame resp) {
        int dev = deviceFor(req.slave());
        ReplayDriver.Outcome observed = driver.observe(dev, req.bytes());
        if (!observed.ok()) {
            String why =
                    observed.status() == E_UNSUPPORTED
                            ? "driver does not decode this request"
                            : observed.status() == E_PROTO
                                    ? "driver cannot parse the request"
                                    : "driver refused the request";
            skipped(
                    req,
                    resp,
                    why + " (weir_observe " + observed.status() + ", line " + req.line() + ")",
                    observed);
            return;
        }
        ReplayDriver.Outcome decoded = driver.onFrame(dev, resp.bytes(), 0L);
        if (!decoded.ok()) {
            skipped(
                    req,
                    resp,
                    "driver cannot decode the response to the request of line "
                            + req.line()
                            + " (weir_on_frame "
                            + decoded.status()
                            + ")",
                    decoded);
            return;
        }
        if (decoded.records().isEmpty()) {
            skipped(req, resp, "driver decoded no records from the response", decoded);
            return;
        }
        for (ReplayDriver.Decoded d : decoded.records()) {
            String quality = ReplayEngine.qualityClass(d.quality());
            summary.points++;
            if (!quality.equals("good")) {
                summary.badPoints++;
            }
            out.accept(
                    new ReplayLine(
                            null,
                            null,
                            d.point(),
                            d.value(),
                            quality,
                            d.deviceTsMillis() > 0 ? d.deviceTsMillis() : null,
                            resp.line(),
                            resp.slave(),
                            null,
                            null,
                            null,
                            null,
                            d.error()));
        }
    }

    private void skipped(Frame req, Frame resp, String why, ReplayDriver.Outcome o) {
        summary.skipped++;
        String detail = o.error() == null || o.error().isEmpty() ? "" : ": " + o.error();
        out.accept(
                ReplayLine.other(
                        ReplayLine.SKIPPED,
                        null,
                        null,
                        resp.line(),
                        resp.slave(),
                        null,
                        resp.plainFunction(),
                        resp.exceptionCode(),
                        null,
                        why + detail));
    }

    private void unanswered(Frame req, String why) {
        summary.unanswered++;
        out.accept(
                ReplayLine.other(
                        ReplayLine.UNANSWERED,
                        null,
                        null,
                        req.line(),
                        req.slave(),
                        null,
                        req.plainFunction(),
                        null,
                        (long) req.bytes().length,
                        why));
    }

    private void garbage(Frame f, String why) {
        summary.garbageBytes += f.bytes().length;
        out.accept(
                ReplayLine.other(
                        ReplayLine.GARBAGE,
                        null,
                        null,
                        f.line(),
                        f.bytes().length > 0 ? f.slave() : null,
                        null,
                        f.plainFunction(),
                        null,
                        (long) f.bytes().length,
                        why));
    }

    private void finish() {
        if (pending != null) {
            unanswered(pending, "request without a response at the end of the file");
            pending = null;
        }
        for (int dev : devices.values()) {
            driver.close(dev);
        }
        devices.clear();
        if (framingDevice != null) {
            driver.close(framingDevice);
            framingDevice = null;
        }
    }

    /** The device handle for a slave: discovery mode on a serial link. */
    private int deviceFor(int slave) {
        return devices.computeIfAbsent(slave, s -> driver.open(config(s)));
    }

    /** Framing needs a device handle (ABI §7.2) before the frame's slave is known to be valid. */
    private int framing() {
        if (framingDevice == null) {
            framingDevice = driver.open(config(1));
        }
        return framingDevice;
    }

    /** Discovery mode for one slave; the host adds weir.transport=serial (ABI §5.1). */
    static String config(int slave) {
        return "device unit=" + slave + "\n";
    }

    /** CRC-16/MODBUS (Serial Line §6.2.2) of {@code b[0..n)}. */
    static int crc16(byte[] b, int n) {
        int crc = 0xFFFF;
        for (int i = 0; i < n; i++) {
            crc ^= b[i] & 0xFF;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0xA001 : crc >>> 1;
            }
        }
        return crc;
    }
}
