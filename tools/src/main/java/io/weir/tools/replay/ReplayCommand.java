package io.weir.tools.replay;

import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverSource;
import io.weir.tools.capture.CaptureReader;
import io.weir.tools.cli.JsonLines;
import io.weir.tools.cli.JsonOption;
import java.io.PrintWriter;
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
        header = "Run captured Modbus TCP traffic (pcap/pcapng) through a driver.",
        description =
                "Run the Modbus TCP exchanges of a pcap/pcapng capture through a "
                        + "driver, in discovery mode: every register or bit a request asked for "
                        + "becomes a point <area>/<address>. Lines carry the capture's 1-based "
                        + "frame number and the unit; traffic that gives no point (refused "
                        + "requests, garbage, unanswered requests) is reported, never dropped."
                        + " With --json: one object per line, a summary object last.")
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
            required = true,
            paramLabel = "FILE",
            description =
                    "A pcap or pcapng capture: a file, a FIFO or /dev/stdin, read as a stream.")
    Path pcap;

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
                summary = new ModbusTcpReplay(d, port, sink).replay(capture);
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

    private static Consumer<ReplayLine> jsonSink(PrintWriter out) {
        JsonLines lines = new JsonLines(out);
        return line -> {
            lines.write(line.toMap());
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
