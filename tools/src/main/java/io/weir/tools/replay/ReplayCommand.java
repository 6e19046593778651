package io.weir.tools.replay;

import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverSource;
import io.weir.tools.capture.CaptureReader;
import io.weir.tools.cli.JsonLines;
import io.weir.tools.cli.JsonOption;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code weir replay}: captured traffic through a driver. */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        header = "Run captured Modbus TCP or RTU traffic through a driver.",
        description =
                "Run the Modbus TCP exchanges of a pcap/pcapng capture (--pcap), or a text file"
                        + " of Modbus RTU frames in hex (--rtu), through a driver, in discovery"
                        + " mode: every register or bit a request asked for becomes a point"
                        + " <area>/<address>. Lines carry the capture's 1-based frame number (for"
                        + " --rtu the file's line number) and the unit (the slave address);"
                        + " traffic that gives no point (refused requests, garbage, bad CRCs,"
                        + " unanswered requests) is reported, never dropped. With --json: one"
                        + " object per line, a summary object last.")
public final class ReplayCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    @Spec CommandSpec spec;

    @Option(
            names = "--driver",
            required = true,
            paramLabel = "NAME|FILE",
            description = "A bundled driver (e.g. modbus) or the path of a .wasm driver.")
    String driver;

    @Option(
            names = "--pcap",
            paramLabel = "FILE",
            description =
                    "A pcap or pcapng capture: a file, a FIFO or /dev/stdin, read as a stream.")
    Path pcap;

    @Option(
            names = "--rtu",
            paramLabel = "FILE",
            description =
                    "Modbus RTU frames, one per line in hex (CRC included), requests and"
                            + " responses in the order they crossed the line; '#' lines are"
                            + " ignored. With several columns the frame is the last and a column"
                            + " req/resp gives the direction (the corpus's *.frames.txt).")
    Path rtu;

    @Option(
            names = "--port",
            defaultValue = "502",
            description = "Server TCP port of the protocol, 1..65535 (default ${DEFAULT-VALUE}).")
    int port;

    @Mixin JsonOption jsonOption;

    @Override
    public Integer call() throws Exception {
        // Every option is checked before the slow parts (compiling the driver, reading the
        // capture), so a typo costs no wait.
        if (pcap == null && rtu == null) {
            throw new ParameterException(
                    spec.commandLine(),
                    "Missing required option: '--pcap=FILE' (or '--rtu=FILE' for Modbus RTU"
                            + " frames)");
        }
        if (pcap != null && rtu != null) {
            throw new ParameterException(
                    spec.commandLine(), "--pcap and --rtu exclude each other: give one file");
        }
        if (rtu != null) {
            return replayRtu();
        }
        if (port < 1 || port > 65535) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--port " + port + " is not a TCP port: give one of 1..65535");
        }
        byte[] wasm = DriverSource.bytes(driver);
        PrintWriter out = spec.commandLine().getOut();
        ReplaySummary summary;
        String quarantine;
        try (CaptureReader capture = CaptureReader.open(pcap)) {
            DriverModule module = HostReplayDriver.load(driver, wasm);
            Consumer<ReplayLine> sink = jsonOption.json() ? jsonSink(out) : tableSink(out);
            try (HostReplayDriver d = new HostReplayDriver(module)) {
                summary = new TcpReplay(d, port, sink).replay(capture);
                quarantine = d.quarantine();
            }
        }
        if (jsonOption.json()) {
            Map<String, Object> m = summary.toMap();
            if (quarantine != null) {
                m.put("quarantined", quarantine);
            }
            new JsonLines(out).write(m);
        } else {
            if (quarantine != null) {
                out.println();
                out.println("driver " + printable(quarantine));
            }
            out.println();
            out.printf(
                    "%s: %d frames, %d request/response pairs, %d points (%d bad), %d skipped,"
                            + " %d unanswered, %d unsolicited, %d garbage bytes%s%n",
                    pcap.getFileName(),
                    summary.frames(),
                    summary.pairs(),
                    summary.points(),
                    summary.badPoints(),
                    summary.skipped(),
                    summary.unanswered(),
                    summary.unsolicited(),
                    summary.garbageBytes(),
                    summary.truncatedBytes() > 0
                            ? "; the file ends inside a record ("
                                    + summary.truncatedBytes()
                                    + " bytes of it not replayed)"
                            : "");
            out.flush();
        }
        if (summary.failure() != null) {
            // What was read is reported above; the damage is the one line on stderr.
            throw summary.failure();
        }
        return 0;
    }

    private int replayRtu() throws Exception {
        if (spec.commandLine().getParseResult().hasMatchedOption("--port")) {
            throw new ParameterException(
                    spec.commandLine(), "--port applies to --pcap only: RTU frames have no port");
        }
        byte[] wasm = DriverSource.bytes(driver);
        PrintWriter out = spec.commandLine().getOut();
        ReplaySummary summary;
        String quarantine;
        try (BufferedReader in = Files.newBufferedReader(rtu, StandardCharsets.UTF_8)) {
            DriverModule module = HostReplayDriver.load(driver, wasm);
            String refusal = HostReplayDriver.rtuRefusal(module);
            if (refusal != null) {
                throw new IllegalArgumentException(refusal);
            }
            Consumer<ReplayLine> sink = jsonOption.json() ? jsonSink(out) : rtuTableSink(out);
            try (HostReplayDriver d = new HostReplayDriver(module, "serial")) {
                summary = new ModbusRtuReplay(d, rtu.toString(), sink).replay(in);
                quarantine = d.quarantine();
            }
        }
        if (jsonOption.json()) {
            Map<String, Object> m = summary.toMap();
            if (quarantine != null) {
                m.put("quarantined", quarantine);
            }
            new JsonLines(out).write(m);
        } else {
            if (quarantine != null) {
                out.println();
                out.println("driver " + printable(quarantine));
            }
            out.println();
            out.printf(
                    "%s: %d frames, %d request/response pairs, %d points (%d bad), %d skipped,"
                            + " %d unanswered, %d unsolicited, %d bad CRC, %d garbage bytes%n",
                    printable(String.valueOf(rtu.getFileName())),
                    summary.frames(),
                    summary.pairs(),
                    summary.points(),
                    summary.badPoints(),
                    summary.skipped(),
                    summary.unanswered(),
                    summary.unsolicited(),
                    summary.badCrc(),
                    summary.garbageBytes());
            out.flush();
        }
        if (summary.failure() != null) {
            throw summary.failure();
        }
        return 0;
    }

    private static Consumer<ReplayLine> jsonSink(PrintWriter out) {
        JsonLines lines = new JsonLines(out);
        return line -> {
            lines.write(line.toMap());
        };
    }

    /** The table for RTU frames: no capture time and no device, the file's line and the slave. */
    private static Consumer<ReplayLine> rtuTableSink(PrintWriter out) {
        String fmt = "%7s  %5s  %-14s  %-12s  %-7s  %s%n";
        out.printf(fmt, "LINE", "SLAVE", "POINT", "VALUE", "QUALITY", "NOTE");
        return line -> {
            String point = line.isPoint() ? line.point() : "(" + line.kind() + ")";
            String value = line.isPoint() ? line.value().text() : "";
            String note = line.error() == null ? "" : line.error();
            if (line.functionCode() != null) {
                note =
                        "FC"
                                + line.functionCode()
                                + (line.exceptionCode() == null
                                        ? ""
                                        : " exception " + line.exceptionCode())
                                + ": "
                                + note;
            }
            out.printf(
                    fmt,
                    line.frame() == null ? "" : line.frame(),
                    line.unit() == null ? "" : line.unit(),
                    printable(point),
                    printable(value),
                    line.quality() == null ? "" : line.quality(),
                    printable(note));
            out.flush();
        };
    }

    private static Consumer<ReplayLine> tableSink(PrintWriter out) {
        String fmt = "%7s  %-23s  %-21s  %4s  %-14s  %-12s  %-7s  %s%n";
        out.printf(
                fmt, "FRAME", "TIME (UTC)", "DEVICE", "UNIT", "POINT", "VALUE", "QUALITY", "NOTE");
        return line -> {
            String time = line.ts() == null ? "" : TIME.format(Instant.ofEpochMilli(line.ts()));
            String point = line.isPoint() ? line.point() : "(" + line.kind() + ")";
            String value = line.isPoint() ? line.value().text() : "";
            String note = line.error() == null ? "" : line.error();
            if (line.functionCode() != null) {
                note =
                        "FC"
                                + line.functionCode()
                                + (line.exceptionCode() == null
                                        ? ""
                                        : " exception " + line.exceptionCode())
                                + ": "
                                + note;
            }
            out.printf(
                    fmt,
                    line.frame() == null ? "" : line.frame(),
                    time,
                    line.device() == null ? "" : line.device(),
                    line.unit() == null ? "" : line.unit(),
                    printable(point),
                    printable(value),
                    line.quality() == null ? "" : line.quality(),
                    printable(note));
            out.flush();
        };
    }

    /**
     * Names, string values and error texts come from the driver: control characters (the ESC of a
     * terminal escape sequence, a carriage return) are printed as Java-style backslash-u escapes
     * and never reach the terminal raw.
     */
    static String printable(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                if (b == null) {
                    b = new StringBuilder(s.length() + 8).append(s, 0, i);
                }
                b.append(String.format("\\u%04x", (int) c));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }
}
