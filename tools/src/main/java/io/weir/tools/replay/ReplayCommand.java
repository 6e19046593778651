package io.weir.tools.replay;

import io.weir.abi.Abi;
import io.weir.host.can.dbc.DbcException;
import io.weir.host.can.dbc.DbcPointMap;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverSource;
import io.weir.tools.capture.CaptureReader;
import io.weir.tools.capture.TcpReassembler;
import io.weir.tools.cli.JsonLines;
import io.weir.tools.cli.JsonOption;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
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
        header = "Run captured traffic of any protocol through its driver.",
        description =
                "Run recorded traffic through a driver, as a gateway would have decoded it: the"
                        + " TCP exchanges of a pcap/pcapng capture (--pcap), a text file of serial"
                        + " frames in hex (--rtu, Modbus RTU), or a candump log of CAN frames"
                        + " (--candump). The driver frames the bytes, pairs each response with its"
                        + " request by its correlation keys (ABI 1.1) and decodes them; with no"
                        + " point map (--points) in discovery mode, where it names what a request"
                        + " asked for (Modbus <area>/<address>, S7 DB1.DBW2 with the bytes in hex)."
                        + " Lines carry the capture's 1-based frame number (for --rtu and --candump"
                        + " the file's line number) and the driver's correlation key; traffic that"
                        + " gives no point (refused requests, garbage, bad CRCs, unanswered"
                        + " requests) is reported, never dropped. With --json: one object per line,"
                        + " a summary object last.")
public final class ReplayCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    /**
     * IANA's server ports of the protocols bundled drivers speak, by manifest {@code protocol} (ABI
     * §3.4): Modbus TCP (Implementation Guide §4.1.1) and ISO-on-TCP, RFC 1006 §2 (S7comm). Another
     * driver's captures need {@code --port}.
     */
    static final Map<String, Integer> WELL_KNOWN_PORTS =
            Map.of("modbus", 502, "modbus-tcp", 502, "s7comm", 102, "iso-on-tcp", 102);

    /** The most exchanges --vectors writes without --vectors-max: a file a reviewer can read. */
    static final int DEFAULT_VECTORS_MAX = 200;

    @Spec CommandSpec spec;

    @Option(
            names = "--driver",
            required = true,
            paramLabel = "NAME|FILE",
            description = "A bundled driver (e.g. modbus, s7) or the path of a .wasm driver.")
    String driver;

    @Option(
            names = "--pcap",
            paramLabel = "FILE",
            description =
                    "A pcap or pcapng capture of TCP traffic: a file, a FIFO or /dev/stdin, read as"
                            + " a stream. Needs a driver that speaks tcp.")
    Path pcap;

    @Option(
            names = "--rtu",
            paramLabel = "FILE",
            description =
                    "Modbus RTU frames, one per line in hex (CRC included), requests and"
                            + " responses in the order they crossed the line; '#' lines are"
                            + " ignored. With several columns the frame is the last and a column"
                            + " req/resp gives the direction (the corpus's *.frames.txt). Needs a"
                            + " driver that speaks serial.")
    Path rtu;

    @Option(
            names = "--candump",
            paramLabel = "FILE",
            description =
                    "A candump log of CAN frames, one '(seconds.micros) can0 ID#DATA' line each"
                            + " (candump -l, or -L on the terminal), decoded as the bus's"
                            + " unsolicited traffic on one device per interface. Needs a driver"
                            + " that speaks can.")
    Path candump;

    @Option(
            names = "--points",
            paramLabel = "FILE",
            description =
                    "The device's config (ABI §5) instead of discovery mode: 'point N key=value"
                            + " …' lines, as a gateway's points give the driver, optionally after"
                            + " a 'device …' line; blank and '#' lines are ignored. A driver that"
                            + " cannot discover (CAN DBC signals) needs it.")
    Path points;

    @Option(
            names = "--dbc",
            paramLabel = "FILE",
            description =
                    "A CAN database: its messages and signals become the device's point lines"
                            + " (as a gateway's 'dbc = FILE' does, `weir config dbc FILE` shows"
                            + " them), for the can-dbc driver. Excludes --points.")
    Path dbc;

    @Option(
            names = "--port",
            description =
                    "Server TCP port of the protocol, 1..65535 (with --pcap; default: the IANA"
                            + " port of the driver's protocol, 502 for Modbus, 102 for S7).")
    Integer port;

    @Option(
            names = "--vectors",
            paramLabel = "FILE",
            description =
                    "Also write what the driver decoded as a golden vector file"
                            + " (driver-abi/VECTORS.md) that `weir driver test` runs: one vector per"
                            + " connection (serial line, CAN interface) with an observe step per"
                            + " request and a frame step per response expecting the driver's records"
                            + " (unsolicited steps for unsolicited frames), the capture's frame"
                            + " numbers in its source, the device config replay used. Review it"
                            + " before committing it: it pins down what the driver does today.")
    Path vectors;

    @Option(
            names = "--vectors-max",
            paramLabel = "N",
            description =
                    "The most exchanges (request/response pairs, unsolicited frames) --vectors"
                            + " writes, 1..100000 (default: 200); the summary says how many were"
                            + " left out.")
    Integer vectorsMax;

    @Mixin JsonOption jsonOption;

    /** The names of the point map's points, by index, when a DBC gave them. */
    private List<String> pointNames = List.of();

    @Override
    public Integer call() throws Exception {
        // Every option is checked before the slow parts (compiling the driver, reading the
        // capture), so a typo costs no wait.
        int inputs = (pcap != null ? 1 : 0) + (rtu != null ? 1 : 0) + (candump != null ? 1 : 0);
        if (inputs == 0) {
            throw new ParameterException(
                    spec.commandLine(),
                    "Missing required option: '--pcap=FILE' (or '--rtu=FILE' for Modbus RTU"
                            + " frames, '--candump=FILE' for a CAN log)");
        }
        if (inputs > 1) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--pcap, --rtu and --candump exclude each other: give one file");
        }
        if (port != null && pcap == null) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--port applies to --pcap only: "
                            + (rtu != null ? "RTU frames" : "CAN frames")
                            + " have no port");
        }
        if (port != null && (port < 1 || port > 65535)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--port " + port + " is not a TCP port: give one of 1..65535");
        }
        if (vectorsMax != null && vectors == null) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--vectors-max applies to --vectors only: give --vectors FILE");
        }
        if (vectorsMax != null && (vectorsMax < 1 || vectorsMax > 100_000)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--vectors-max " + vectorsMax + " is out of range: give one of 1..100000");
        }
        if (vectors != null) {
            Path folder = vectors.toAbsolutePath().getParent();
            if (folder == null || !Files.isDirectory(folder)) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--vectors " + vectors + ": folder " + folder + " does not exist");
            }
            if (Files.isDirectory(vectors)) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--vectors " + vectors + " is a folder: give the vector file to write");
            }
        }
        if (dbc != null && points != null) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--dbc and --points exclude each other: a DBC gives the point lines");
        }
        String config;
        if (dbc != null) {
            try {
                DbcPointMap map = DbcPointMap.read(dbc);
                config = map.text();
                pointNames = map.names();
            } catch (DbcException e) {
                throw new IllegalArgumentException(e.getMessage() + " (--dbc)");
            }
        } else {
            config = points == null ? "device\n" : PointsFile.read(points);
        }
        byte[] wasm = DriverSource.bytes(driver);
        if (rtu != null) {
            return replayRtu(wasm, config);
        }
        if (candump != null) {
            return replayCandump(wasm, config);
        }
        PrintWriter out = spec.commandLine().getOut();
        ReplaySummary summary;
        String quarantine;
        ReplayVectors recorder;
        // The capture's header is read before the driver is compiled: a wrong file costs no wait.
        try (CaptureReader capture = CaptureReader.open(pcap)) {
            DriverModule module = HostReplayDriver.load(driver, wasm);
            requireTransport(module, "tcp", "--pcap");
            int serverPort = port != null ? port : defaultPort(module);
            Consumer<ReplayLine> sink = jsonOption.json() ? jsonSink(out) : tableSink(out);
            try (HostReplayDriver d = new HostReplayDriver(module)) {
                recorder = recorder(d, pcap, config);
                summary =
                        new TcpReplay(
                                        d,
                                        serverPort,
                                        sink,
                                        TcpReassembler.Limits.DEFAULT,
                                        ReplayEngine.MAX_OUTSTANDING,
                                        config)
                                .vectors(recorder)
                                .replay(capture);
                quarantine = d.quarantine();
            }
        }
        int written = writeVectors(recorder);
        if (jsonOption.json()) {
            writeSummary(out, summary, quarantine, recorder, written);
        } else {
            printQuarantine(out, quarantine);
            out.printf(
                    "%s: %d frames, %d request/response pairs, %d points (%d bad), %d skipped,"
                            + " %d unanswered, %d unsolicited, %d garbage bytes%s%s%n",
                    printable(String.valueOf(pcap.getFileName())),
                    summary.frames(),
                    summary.pairs(),
                    summary.points(),
                    summary.badPoints(),
                    summary.skipped(),
                    summary.unanswered(),
                    summary.unsolicited(),
                    summary.garbageBytes(),
                    extras(summary),
                    summary.truncatedBytes() > 0
                            ? "; the file ends inside a record ("
                                    + summary.truncatedBytes()
                                    + " bytes of it not replayed)"
                            : "");
            printVectors(out, recorder, written);
        }
        requireVectors(recorder, pcap);
        if (summary.failure() != null) {
            // What was read is reported above; the damage is the one line on stderr.
            throw summary.failure();
        }
        return 0;
    }

    /** The server port of the driver's protocol, when IANA gives it one. */
    private int defaultPort(DriverModule module) {
        Integer p = WELL_KNOWN_PORTS.get(module.manifest().protocol());
        if (p == null) {
            throw new ParameterException(
                    spec.commandLine(),
                    "driver "
                            + module.manifest().name()
                            + " speaks protocol \""
                            + printable(module.manifest().protocol())
                            + "\", whose server port replay does not know: give --port");
        }
        return p;
    }

    /**
     * Refuses a driver that cannot speak over the input's kind of link, e.g. {@code driver s7
     * speaks tcp; --rtu needs a serial driver}.
     */
    static void requireTransport(DriverModule module, String transport, String option) {
        List<String> speaks = module.manifest().allTransports();
        if (!speaks.contains(transport)) {
            throw new IllegalArgumentException(
                    "driver "
                            + module.manifest().name()
                            + " speaks "
                            + String.join(" and ", speaks)
                            + "; "
                            + option
                            + " needs a "
                            + transport
                            + " driver");
        }
        if (!transport.equals("tcp") && module.agreedMinor() < Abi.MINOR_1_1) {
            throw new IllegalArgumentException(
                    "driver "
                            + module.manifest().name()
                            + " agreed on ABI 1.0, which has no weir.transport host key (ABI"
                            + " §5.1): it cannot be told it is on a "
                            + transport
                            + " link");
        }
    }

    private static String extras(ReplaySummary s) {
        return (s.writeResults() > 0 ? ", " + s.writeResults() + " write results" : "")
                + (s.deviceStatus() > 0 ? ", " + s.deviceStatus() + " device status" : "");
    }

    private void writeSummary(
            PrintWriter out,
            ReplaySummary summary,
            String quarantine,
            ReplayVectors recorder,
            int written) {
        Map<String, Object> m = summary.toMap();
        if (quarantine != null) {
            m.put("quarantined", quarantine);
        }
        if (recorder != null) {
            m.put("vector_file", vectors.toString());
            m.put("vectors", written);
            m.put("vector_exchanges", recorder.exchanges());
            m.put("vector_exchanges_left_out", recorder.notWritten());
            if (recorder.firstOmission() != null) {
                m.put("vector_left_out_because", recorder.firstOmission());
            }
        }
        new JsonLines(out).write(m);
    }

    /** The recorder of --vectors for a replay through {@code d}, or null without it. */
    private ReplayVectors recorder(HostReplayDriver d, Path input, String config) {
        if (vectors == null) {
            return null;
        }
        return new ReplayVectors(
                d.driverName(),
                d.hostMinor(),
                d.deviceConfig(config),
                input.toString(),
                vectorsMax == null ? DEFAULT_VECTORS_MAX : vectorsMax);
    }

    /** Writes the --vectors file if there is anything to write; returns the vectors written. */
    private int writeVectors(ReplayVectors recorder) throws IOException {
        if (recorder == null || recorder.exchanges() == 0) {
            return 0;
        }
        try {
            return recorder.write(vectors);
        } catch (IOException e) {
            throw new IOException(
                    "--vectors " + vectors + ": cannot write the vector file: " + e.getMessage(),
                    e);
        }
    }

    private void printVectors(PrintWriter out, ReplayVectors recorder, int written) {
        if (recorder != null && recorder.exchanges() > 0) {
            out.printf(
                    "vectors: %d exchanges in %d vector%s written to %s%s%n",
                    recorder.exchanges(),
                    written,
                    written == 1 ? "" : "s",
                    printable(vectors.toString()),
                    recorder.notWritten() == 0
                            ? ""
                            : "; "
                                    + recorder.notWritten()
                                    + " more left out, the first because: "
                                    + printable(recorder.firstOmission()));
        }
        out.flush();
    }

    /** A --vectors run that found no exchange fails: an empty file would test nothing. */
    private void requireVectors(ReplayVectors recorder, Path input) {
        if (recorder != null && recorder.exchanges() == 0) {
            throw new IllegalArgumentException(
                    "--vectors "
                            + vectors
                            + " not written: the driver decoded no exchange of "
                            + input
                            + (recorder.firstOmission() == null
                                    ? ""
                                    : " that a vector can state ("
                                            + recorder.firstOmission()
                                            + ")"));
        }
    }

    private static void printQuarantine(PrintWriter out, String quarantine) {
        if (quarantine != null) {
            out.println();
            out.println("driver " + printable(quarantine));
        }
        out.println();
    }

    private int replayCandump(byte[] wasm, String config) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ReplaySummary summary;
        String quarantine;
        ReplayVectors recorder;
        try (BufferedReader in = Files.newBufferedReader(candump, StandardCharsets.UTF_8)) {
            DriverModule module = HostReplayDriver.load(driver, wasm);
            requireTransport(module, "can", "--candump");
            Consumer<ReplayLine> sink = jsonOption.json() ? jsonSink(out) : tableSink(out);
            try (HostReplayDriver d = new HostReplayDriver(module, "can").pointNames(pointNames)) {
                recorder = recorder(d, candump, config);
                summary =
                        new CandumpReplay(d, candump.toString(), sink, config)
                                .vectors(recorder)
                                .replay(in);
                quarantine = d.quarantine();
            }
        }
        int written = writeVectors(recorder);
        if (jsonOption.json()) {
            writeSummary(out, summary, quarantine, recorder, written);
        } else {
            printQuarantine(out, quarantine);
            out.printf(
                    "%s: %d frames, %d points (%d bad), %d frames without points, %d skipped,"
                            + " %d error frames, %d garbage bytes%s%n",
                    printable(String.valueOf(candump.getFileName())),
                    summary.frames(),
                    summary.points(),
                    summary.badPoints(),
                    summary.framesWithoutPoints(),
                    summary.skipped(),
                    summary.errorFrames(),
                    summary.garbageBytes(),
                    extras(summary));
            printVectors(out, recorder, written);
        }
        requireVectors(recorder, candump);
        if (summary.failure() != null) {
            throw summary.failure();
        }
        return 0;
    }

    private int replayRtu(byte[] wasm, String config) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ReplaySummary summary;
        String quarantine;
        ReplayVectors recorder;
        try (BufferedReader in = Files.newBufferedReader(rtu, StandardCharsets.UTF_8)) {
            DriverModule module = HostReplayDriver.load(driver, wasm);
            requireTransport(module, "serial", "--rtu");
            Consumer<ReplayLine> sink = jsonOption.json() ? jsonSink(out) : rtuTableSink(out);
            try (HostReplayDriver d =
                    new HostReplayDriver(module, "serial").pointNames(pointNames)) {
                recorder = recorder(d, rtu, config);
                summary =
                        new SerialReplay(d, rtu.toString(), sink, config)
                                .vectors(recorder)
                                .replay(in);
                quarantine = d.quarantine();
            }
        }
        int written = writeVectors(recorder);
        if (jsonOption.json()) {
            writeSummary(out, summary, quarantine, recorder, written);
        } else {
            printQuarantine(out, quarantine);
            out.printf(
                    "%s: %d frames, %d request/response pairs, %d points (%d bad), %d skipped,"
                            + " %d unanswered, %d unsolicited, %d garbage bytes%s%n",
                    printable(String.valueOf(rtu.getFileName())),
                    summary.frames(),
                    summary.pairs(),
                    summary.points(),
                    summary.badPoints(),
                    summary.skipped(),
                    summary.unanswered(),
                    summary.unsolicited(),
                    summary.garbageBytes(),
                    extras(summary));
            printVectors(out, recorder, written);
        }
        requireVectors(recorder, rtu);
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

    /** The table for serial frames: no capture time and no device, the file's line and the key. */
    private static Consumer<ReplayLine> rtuTableSink(PrintWriter out) {
        String fmt = "%7s  %-10s  %-14s  %-12s  %-7s  %s%n";
        out.printf(fmt, "LINE", "KEY", "POINT", "VALUE", "QUALITY", "NOTE");
        return line -> {
            String point =
                    line.isPoint()
                            ? line.point()
                            : "("
                                    + line.kind()
                                    + ")"
                                    + (line.point() == null ? "" : " " + line.point());
            out.printf(
                    fmt,
                    line.frame() == null ? "" : line.frame(),
                    line.key() == null ? "" : String.format("0x%08x", line.key()),
                    printable(point),
                    printable(line.value() == null ? "" : line.value().text()),
                    line.quality() == null ? "" : line.quality(),
                    printable(line.error() == null ? "" : line.error()));
            out.flush();
        };
    }

    /** The table for captures and CAN logs: frame (or line), time, device, key, point, value. */
    private static Consumer<ReplayLine> tableSink(PrintWriter out) {
        String fmt = "%7s  %-23s  %-21s  %-10s  %-14s  %-12s  %-7s  %s%n";
        out.printf(
                fmt, "FRAME", "TIME (UTC)", "DEVICE", "KEY", "POINT", "VALUE", "QUALITY", "NOTE");
        return line -> {
            String time = line.ts() == null ? "" : TIME.format(Instant.ofEpochMilli(line.ts()));
            String point =
                    line.isPoint()
                            ? line.point()
                            : "("
                                    + line.kind()
                                    + ")"
                                    + (line.point() == null ? "" : " " + line.point());
            String value = line.value() == null ? "" : line.value().text();
            String note = line.error() == null ? "" : line.error();
            out.printf(
                    fmt,
                    line.frame() == null ? "" : line.frame(),
                    time,
                    line.device() == null ? "" : printable(line.device()),
                    line.key() == null ? "" : String.format("0x%08x", line.key()),
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
