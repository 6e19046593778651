package io.weir.tools.replay;

import io.weir.abi.CanFrame;
import io.weir.host.can.CandumpLine;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs a {@code candump -l} log (can-utils; {@code candump -L} prints the same lines) through a CAN
 * driver, one line at a time: memory does not grow with the file.
 *
 * <p>Every frame of a bus is traffic nobody asked for: each is encoded as ABI §6.4 says, framed by
 * the driver's {@code weir_frame_len} (which must answer the frame's whole length, §6.4 "Delivery")
 * and decoded with {@code weir_on_frame} as readings, on one device per interface of the log
 * ({@code can0}, {@code can1} …), with the frame's own time as {@code now_us}. Lines carry the
 * file's 1-based line number as {@code frame} and the interface as {@code device}. Error frames are
 * reported, blank and {@code #} lines ignored; a line that is no candump log line stops the replay
 * (what was read is reported and counted, the error names file and line).
 */
public final class CandumpReplay {
    /** A line longer than this holds no CAN frame (an FD frame is 128 hex digits). */
    static final int MAX_LINE = 4096;

    private final String file;
    private final Consumer<ReplayLine> out;
    private final ReplaySummary summary = ReplaySummary.can();
    private final ReplayEngine engine;
    private final ReplayDriver driver;
    private final Map<String, ReplayEngine.Conversation> interfaces = new LinkedHashMap<>();

    /**
     * @param driver a driver replaying a {@code can} link
     * @param file the log's name, for error messages
     * @param out where report lines go
     * @param config the device config every interface's device is opened with (ABI §5)
     */
    public CandumpReplay(
            ReplayDriver driver, String file, Consumer<ReplayLine> out, String config) {
        this.driver = driver;
        this.file = file;
        this.out = out;
        this.engine = new ReplayEngine(driver, config, out, summary, ReplayEngine.MAX_OUTSTANDING);
    }

    /** A line that is no candump log line: the replay stops there. */
    public static final class BadLine extends IOException {
        private static final long serialVersionUID = 1L;

        BadLine(String message) {
            super(message);
        }
    }

    /** Also writes what the driver decoded as golden vectors (--vectors). */
    public CandumpReplay vectors(ReplayVectors vectors) {
        engine.vectors(vectors);
        return this;
    }

    /**
     * Replays every line of {@code in}; a bad line stops the reading, not the report: what was read
     * is finished and counted, and the error is in {@link ReplaySummary#failure()}.
     */
    public ReplaySummary replay(BufferedReader in) {
        int lineNo = 0;
        try {
            String line;
            while ((line = readLine(in, lineNo + 1)) != null) {
                lineNo++;
                accept(line, lineNo);
            }
        } catch (BadLine e) {
            summary.failure = e;
        } catch (CharacterCodingException e) {
            summary.failure =
                    new BadLine(
                            file
                                    + ":"
                                    + (lineNo + 1)
                                    + ": not text (bytes that are not UTF-8); --candump reads"
                                    + " the lines candump -l writes");
        } catch (IOException e) {
            summary.failure =
                    new IOException(file + ": line " + (lineNo + 1) + ": " + e.getMessage(), e);
        }
        for (ReplayEngine.Conversation c : interfaces.values()) {
            c.finish("request without a response at the end of the log");
        }
        interfaces.clear();
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
                                + " characters; no candump line is that long");
            }
            b.append((char) c);
        }
        if (c == -1 && b.length() == 0) {
            return null;
        }
        return b.toString();
    }

    private void accept(String text, int lineNo) throws BadLine {
        CandumpLine.Parsed parsed = CandumpLine.parse(text);
        if (parsed instanceof CandumpLine.Blank) {
            return;
        }
        if (parsed instanceof CandumpLine.Malformed m) {
            throw new BadLine(file + ":" + lineNo + ": " + ReplayCommand.printable(m.why()));
        }
        summary.frames++;
        if (parsed instanceof CandumpLine.ErrorFrame e) {
            summary.errorFrames++;
            out.accept(
                    ReplayLine.keyed(
                            ReplayLine.ERROR_FRAME,
                            e.iface(),
                            Math.floorDiv(e.micros(), 1000L),
                            lineNo,
                            0,
                            null,
                            "CAN error frame " + ReplayCommand.printable(e.text())));
            return;
        }
        CandumpLine line = ((CandumpLine.Frame) parsed).line();
        ReplayEngine.Conversation c =
                interfaces.computeIfAbsent(line.iface(), engine::conversation);
        CanFrame frame = line.frame();
        byte[] bytes = frame.encode();
        int dev = c.dev();
        ReplayDriver.Framing f = driver.frameLen(dev, bytes, 0, bytes.length);
        if (f.status() != bytes.length) {
            summary.garbageBytes += bytes.length;
            out.accept(
                    ReplayLine.keyed(
                            ReplayLine.GARBAGE,
                            line.iface(),
                            Math.floorDiv(line.micros(), 1000L),
                            lineNo,
                            0,
                            (long) bytes.length,
                            "frame "
                                    + frame.toCandump()
                                    + ": the driver's weir_frame_len answered "
                                    + ReplayEngine.errorName(f.status())
                                    + " for its "
                                    + bytes.length
                                    + " bytes (ABI §6.4: it must take the whole frame); not"
                                    + " decoded"));
            return;
        }
        c.unsolicitedReading(
                engine.framed(
                        bytes,
                        lineNo,
                        Math.floorDiv(line.micros(), 1000L),
                        line.micros(),
                        f.corr()));
    }
}
