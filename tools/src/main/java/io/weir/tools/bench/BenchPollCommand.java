package io.weir.tools.bench;

import io.weir.tools.cli.JsonLines;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code weir bench poll [--json]}. */
@Command(
        name = "poll",
        mixinStandardHelpOptions = true,
        description = {
            "Read 10 holding registers back to back over one Modbus TCP connection, with the"
                    + " gateway (kernel, TCP transport, session, WASM Modbus driver: a device of"
                    + " 100 reads per cycle, scanned continuously by default), with j2mod and with"
                    + " Apache PLC4X, one after the other against the same in-process device on 127.0.0.1.",
            "Prints reads_per_s and p50_us/p99_us per read of each; progress on stderr."
        })
public final class BenchPollCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--json", description = "Print the result as one JSON object on the last line.")
    boolean json;

    @Option(
            names = "--duration",
            defaultValue = "10",
            paramLabel = "SECONDS",
            description = "Measured seconds per client (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(
            names = "--warmup",
            defaultValue = "10",
            paramLabel = "SECONDS",
            description =
                    "Unmeasured seconds per client first (default: ${DEFAULT-VALUE}): the"
                            + " gateway's hot code (the compiled driver, Netty) is still being"
                            + " compiled by the JIT 5 s in.")
    int warmup;

    @Option(
            names = "--interval-ms",
            defaultValue = "0",
            paramLabel = "MS",
            description =
                    "The gateway device's poll interval: 0 (the default) scans continuously, the"
                            + " next cycle as soon as the last ends; 1 or more waits for the next"
                            + " tick of that grid (the first read of a cycle is then not"
                            + " counted in the latency).")
    int intervalMs;

    @Override
    public Integer call() throws Exception {
        if (seconds < 1 || warmup < 0) {
            throw new ParameterException(
                    spec.commandLine(), "--duration must be at least 1 and --warmup at least 0");
        }
        if (intervalMs < 0) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--interval-ms must be 0 (continuous) or more, not " + intervalMs);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Object> r =
                PollBench.run(
                        Duration.ofSeconds(warmup),
                        Duration.ofSeconds(seconds),
                        Duration.ofMillis(intervalMs),
                        line -> {
                            err.println(line);
                            err.flush();
                        });
        if (json) {
            new JsonLines(out).write(r);
        } else {
            out.printf(
                    Locale.ROOT,
                    "%-6s %12s %8s %8s %8s%n",
                    "",
                    "reads/s",
                    "p50_us",
                    "p99_us",
                    "max_us");
            for (String side : new String[] {"weir", "j2mod", "plc4x"}) {
                @SuppressWarnings("unchecked")
                Map<String, Object> s = (Map<String, Object>) r.get(side);
                out.printf(
                        Locale.ROOT,
                        "%-6s %12s %8s %8s %8s%n",
                        side,
                        s.get("reads_per_s"),
                        s.get("p50_us"),
                        s.get("p99_us"),
                        s.get("max_us"));
            }
        }
        out.flush();
        return 0;
    }
}
