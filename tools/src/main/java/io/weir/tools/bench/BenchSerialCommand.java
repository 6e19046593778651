package io.weir.tools.bench;

import io.weir.host.serial.LineSettings;
import io.weir.tools.cli.JsonLines;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code weir bench serial [--json]}: the gateway's Modbus RTU poll rate against the line's
 * maximum, beside the serial link's own on the same wire ({@link SerialBench}).
 */
@Command(
        name = "serial",
        mixinStandardHelpOptions = true,
        description = {
            "Modbus RTU polls (FC3) to j2mod's RTU slave over a pty wire paced at the baud rate, and"
                    + " the achieved frame rate as a fraction of the line's theoretical maximum:"
                    + " (request + response) characters plus two 3.5-character silences per"
                    + " transaction (target: 0.9).",
            "Two sides take turns on the same wire, in rounds of at most 5 s: the gateway (kernel,"
                    + " serial bus, session and the bundled WASM modbus driver, one device per"
                    + " slave scanned continuously, every value checked) and the link alone (the"
                    + " serial bus driven by a bare poller, no session, no driver). The top-level"
                    + " numbers are the gateway's. Progress goes to stderr once a second; the"
                    + " result is the last line."
        })
public final class BenchSerialCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--json", description = "Print the result as one JSON object on the last line.")
    boolean json;

    @Option(
            names = "--baud",
            defaultValue = "115200",
            description = "Baud rate (default ${DEFAULT-VALUE}).")
    int baud;

    @Option(
            names = "--parity",
            defaultValue = "E",
            description = "Parity N, E or O (default ${DEFAULT-VALUE}: 8E1, as Modbus asks).")
    String parity;

    @Option(
            names = "--registers",
            defaultValue = "10",
            description = "Holding registers per poll (default ${DEFAULT-VALUE}).")
    int registers;

    @Option(
            names = "--devices",
            defaultValue = "1",
            description =
                    "Slaves on the bus, each polled by its own device (default ${DEFAULT-VALUE}).")
    int devices;

    @Option(
            names = "--seconds",
            defaultValue = "10",
            description =
                    "Measured time of each side (default ${DEFAULT-VALUE}), in rounds of at most"
                            + " 5 s, each after a 1 s warm-up.")
    int seconds;

    @Option(
            names = "--unpaced",
            description =
                    "A bare pty pair instead of the paced wire: what both sides reach without the"
                            + " line's time.")
    boolean unpaced;

    @Override
    public Integer call() throws Exception {
        if (seconds < 1) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--seconds must be at least 1, got " + seconds);
        }
        LineSettings line = new LineSettings(baud, 8, LineSettings.Parity.of(parity), 1);
        SerialBench.Options options = new SerialBench.Options(line, registers, devices, !unpaced);
        PrintWriter err = spec.commandLine().getErr();
        SerialBench.Result r =
                new SerialBench(options)
                        .run(
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(seconds),
                                text -> {
                                    err.println(text);
                                    err.flush();
                                });
        PrintWriter out = spec.commandLine().getOut();
        SerialBench.Side gw = r.gateway();
        SerialBench.Side link = r.link();
        // The request's and the answer's characters on the wire, µs: the floor of an exchange.
        long frames = line.nanosFor(r.requestBytes() + r.responseBytes()) / 1000;
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("bench", "serial");
            m.put("line", line.toString());
            m.put("paced", !unpaced);
            m.put("devices", devices);
            m.put("registers", registers);
            m.put("request_bytes", r.requestBytes());
            m.put("response_bytes", r.responseBytes());
            m.put("silence_us", r.silenceMicros());
            m.put("line_max_frames_per_s", round(r.lineMaxFramesPerSecond(), 1));
            m.put("target", 0.9);
            // The top-level counts are the gateway's, as a user's gateway achieves them.
            m.put("seconds", round(gw.seconds(), 3));
            m.put("transactions", gw.counts().transactions());
            m.put("bad", gw.counts().bad());
            m.put("timeouts", gw.counts().timeouts());
            m.put("wrong_values", gw.counts().wrongValues());
            m.put("unsolicited_bytes", gw.counts().unsolicitedBytes());
            m.put("frames_per_s", round(gw.framesPerSecond(), 1));
            m.put("fraction", round(gw.fraction(), 3));
            m.put("gateway", side(gw, true, frames, r.silenceMicros()));
            m.put("link", side(link, false, frames, r.silenceMicros()));
            m.put(
                    "gateway_of_link",
                    link.framesPerSecond() > 0
                            ? round(gw.framesPerSecond() / link.framesPerSecond(), 3)
                            : null);
            // What the session and the driver add to each poll, over the link alone.
            m.put(
                    "gateway_added_us_per_poll",
                    link.framesPerSecond() > 0 && gw.framesPerSecond() > 0
                            ? Math.round(2e6 / gw.framesPerSecond() - 2e6 / link.framesPerSecond())
                            : null);
            m.put("rounds", r.rounds());
            m.put(
                    "master",
                    "gateway: Kernel + SerialTransport + WASM modbus driver (RTU), continuous"
                            + " scan; link: SerialBus + a bare poller");
            m.put("slave", "j2mod 3.2.1 RTU slave");
            new JsonLines(out).write(m);
        } else {
            out.printf(
                    Locale.ROOT,
                    "serial line at %s%s, %d device(s), %d registers a poll; the line's maximum %.1f"
                            + " frames/s (target 0.9)%n",
                    line,
                    unpaced ? " (unpaced pty)" : "",
                    devices,
                    registers,
                    r.lineMaxFramesPerSecond());
            for (SerialBench.Side s : java.util.List.of(gw, link)) {
                SerialBench.Counts c = s.counts();
                out.printf(
                        Locale.ROOT,
                        "%-8s %.1f frames/s: %.3f of the line; %d polls in %.1f s, %d bad (%d"
                                + " timeouts), %d wrong values; a poll: %.0f µs exchange (%d µs of"
                                + " frames), %d µs silence, %.0f µs idle, %.0f µs late%n",
                        s.name(),
                        s.framesPerSecond(),
                        s.fraction(),
                        c.transactions(),
                        s.seconds(),
                        c.bad(),
                        c.timeouts(),
                        c.wrongValues(),
                        c.line().exchangeMicros(),
                        frames,
                        r.silenceMicros(),
                        c.line().idleMicros(),
                        c.line().lateMicros());
            }
            out.flush();
        }
        return 0;
    }

    private static Map<String, Object> side(
            SerialBench.Side s, boolean gateway, long framesMicros, long silenceMicros) {
        SerialBench.Counts c = s.counts();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("frames_per_s", round(s.framesPerSecond(), 1));
        m.put("fraction", round(s.fraction(), 3));
        m.put("seconds", round(s.seconds(), 3));
        m.put("transactions", c.transactions());
        m.put("bad", c.bad());
        m.put("timeouts", c.timeouts());
        if (gateway) {
            m.put("protocol_errors", c.protocolErrors());
            m.put("garbage_bytes", c.garbageBytes());
        }
        m.put("wrong_values", c.wrongValues());
        m.put("unsolicited_bytes", c.unsolicitedBytes());
        m.put("transactions_per_device", c.perDevice());
        // Where a poll's time went on the line, in µs: see SerialBench.LineTime.
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("frames", framesMicros);
        t.put("exchange", round(c.line().exchangeMicros(), 1));
        t.put("silence", silenceMicros);
        t.put("idle", round(c.line().idleMicros(), 1));
        t.put("late", round(c.line().lateMicros(), 1));
        m.put("us_per_poll", t);
        return m;
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
