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

/** {@code weir bench serial [--json]}: the serial link's poll rate against the line's maximum. */
@Command(
        name = "serial",
        mixinStandardHelpOptions = true,
        description = {
            "Modbus RTU polls (FC3) through the gateway's serial bus to j2mod's RTU slave over a"
                    + " pty wire paced at the baud rate, and the achieved frame rate as a fraction"
                    + " of the line's theoretical maximum: (request + response) characters plus two"
                    + " 3.5-character silences per transaction (target: 0.9).",
            "The Modbus driver frames Modbus TCP only today, so the link is driven by a"
                    + " session-like poller (send, sent(), answer by length, transactionEnded)"
                    + " with every answer's CRC checked. Progress goes to stderr once a second; the"
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
            description = "Measured time (default ${DEFAULT-VALUE}), after a 1 s warm-up.")
    int seconds;

    @Option(
            names = "--unpaced",
            description = "A bare pty pair instead of the paced wire: the link's own ceiling.")
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
            m.put("seconds", round(r.seconds(), 3));
            m.put("transactions", r.transactions());
            m.put("bad", r.bad());
            m.put("timeouts", r.timeouts());
            m.put("unsolicited_bytes", r.unsolicitedBytes());
            m.put("frames_per_s", round(r.framesPerSecond(), 1));
            m.put("line_max_frames_per_s", round(r.lineMaxFramesPerSecond(), 1));
            m.put("fraction", round(r.fraction(), 3));
            m.put("target", 0.9);
            m.put("master", "session-like poller over the link port (the driver frames TCP only)");
            m.put("slave", "j2mod 3.2.1 RTU slave");
            new JsonLines(out).write(m);
        } else {
            out.printf(
                    Locale.ROOT,
                    "serial link at %s%s, %d device(s), %d registers a poll: %d polls in %.1f s, %d"
                            + " bad, %d timeouts%n"
                            + "%.1f frames/s of the line's %.1f: %.3f (target 0.9)%n",
                    line,
                    unpaced ? " (unpaced pty)" : "",
                    devices,
                    registers,
                    r.transactions(),
                    r.seconds(),
                    r.bad(),
                    r.timeouts(),
                    r.framesPerSecond(),
                    r.lineMaxFramesPerSecond(),
                    r.fraction());
            out.flush();
        }
        return 0;
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
