package io.weir.tools.replay;

import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverSource;
import io.weir.tools.capture.CaptureReader;
import io.weir.tools.capture.CapturedFrame;
import io.weir.tools.cli.JsonLines;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
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
                        + "requests, garbage, unanswered requests) is reported, never dropped.")
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
            description = "A pcap or pcapng capture.")
    Path pcap;

    @Option(
            names = "--port",
            defaultValue = "502",
            description = "Server TCP port of the protocol (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--json", description = "One JSON object per line; a summary object last.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<CapturedFrame> frames = CaptureReader.read(pcap);
        DriverModule module = DriverSource.load(driver);
        PrintWriter out = spec.commandLine().getOut();
        Consumer<ReplayLine> sink = json ? jsonSink(out) : tableSink(out);
        ReplaySummary summary;
        String quarantine;
        try (HostReplayDriver d = new HostReplayDriver(module)) {
            summary = new ModbusTcpReplay(d, port, sink).replay(frames);
            quarantine = d.quarantine();
        }
        if (json) {
            Map<String, Object> m = summary.toMap();
            if (quarantine != null) {
                m.put("quarantined", quarantine);
            }
            new JsonLines(out).write(m);
        } else {
            if (quarantine != null) {
                out.println();
                out.println("driver " + quarantine);
            }
            out.println();
            out.printf(
                    "%s: %d frames, %d request/response pairs, %d points (%d bad), %d skipped,"
                            + " %d unanswered, %d unsolicited, %d garbage bytes%n",
                    pcap.getFileName(),
                    summary.frames(),
                    summary.pairs(),
                    summary.points(),
                    summary.badPoints(),
                    summary.skipped(),
                    summary.unanswered(),
                    summary.unsolicited(),
                    summary.garbageBytes());
            out.flush();
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
                    point,
                    value,
                    line.quality() == null ? "" : line.quality(),
                    note);
            out.flush();
        };
    }
}
