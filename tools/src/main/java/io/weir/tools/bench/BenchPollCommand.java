package io.weir.tools.bench;

import io.weir.host.tcp.TcpTransport;
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
                    + " Apache PLC4X, against the same in-process device on 127.0.0.1.",
            "All three connect and warm up first; then each of --rounds rounds measures the"
                    + " gateway, j2mod and PLC4X for one --slice each in turn while the other two"
                    + " are idle, so that the three see the same stretches of a machine whose"
                    + " speed drifts.",
            "Prints reads_per_s and p50_us/p99_us per read of each over all its slices, its"
                    + " reads/s per round, and the median, least and greatest per-round ratio of"
                    + " the gateway's reads/s to each baseline's; progress on stderr."
        })
public final class BenchPollCommand implements Callable<Integer> {
    /** The default slice, in seconds. */
    static final double SLICE = 2;

    /** The shortest slice: a pause and a resume cost a read or two, and a slice holds ~100x. */
    static final double MIN_SLICE = 0.1;

    @Spec CommandSpec spec;

    @Option(names = "--json", description = "Print the result as one JSON object on the last line.")
    boolean json;

    @Option(
            names = "--rounds",
            defaultValue = "5",
            paramLabel = "R",
            description = "Rounds of one slice per client (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(
            names = "--slice",
            paramLabel = "SECONDS",
            description =
                    "Measured seconds per client in each round (default: 2; at least 0.1). Not"
                            + " with --duration.")
    Double slice;

    @Option(
            names = "--duration",
            paramLabel = "SECONDS",
            description =
                    "Measured seconds per client in all, at least 1: each round's slice is then"
                            + " SECONDS / R. Not with --slice (default: R x 2 s).")
    Integer seconds;

    @Option(
            names = "--warmup",
            defaultValue = "10",
            paramLabel = "SECONDS",
            description =
                    "Unmeasured seconds per client first, once (default: ${DEFAULT-VALUE}): the"
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

    @Option(
            names = "--busy-poll-us",
            paramLabel = "US",
            description =
                    "The gateway's TCP I/O thread looks for ready sockets up to this many"
                            + " microseconds before it sleeps, while that pays (0 sleeps at once;"
                            + " at most 1000). Default: the gateway's, 50 unless"
                            + " -Dweir.tcp.busyPollMicros says otherwise.")
    Integer busyPollMicros;

    @Override
    public Integer call() throws Exception {
        PollBench.Plan plan = plan();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Object> r =
                PollBench.run(
                        plan,
                        line -> {
                            err.println(line);
                            err.flush();
                        });
        if (json) {
            new JsonLines(out).write(r);
        } else {
            out.printf(
                    Locale.ROOT,
                    "%-6s %12s %8s %8s %8s  %s%n",
                    "",
                    "reads/s",
                    "p50_us",
                    "p99_us",
                    "max_us",
                    "reads/s per round");
            for (String side : new String[] {"weir", "j2mod", "plc4x"}) {
                @SuppressWarnings("unchecked")
                Map<String, Object> s = (Map<String, Object>) r.get(side);
                out.printf(
                        Locale.ROOT,
                        "%-6s %12s %8s %8s %8s  %s%n",
                        side,
                        s.get("reads_per_s"),
                        s.get("p50_us"),
                        s.get("p99_us"),
                        s.get("max_us"),
                        s.get("per_round_reads_per_s"));
            }
            for (String ratio : new String[] {"weir_vs_j2mod", "weir_vs_plc4x"}) {
                @SuppressWarnings("unchecked")
                Map<String, Object> q = (Map<String, Object>) r.get(ratio);
                out.printf(
                        Locale.ROOT,
                        "%s per round: median %s, min %s, max %s%n",
                        ratio,
                        q.get("median"),
                        q.get("min"),
                        q.get("max"));
            }
        }
        out.flush();
        return 0;
    }

    /** The options as a plan, or a one-line refusal naming the option. */
    PollBench.Plan plan() {
        if (rounds < 1) {
            throw refusal("--rounds must be at least 1, got " + rounds);
        }
        if (warmup < 0) {
            throw refusal("--warmup must be at least 0, got " + warmup);
        }
        Duration busyPoll;
        if (busyPollMicros == null) {
            try {
                busyPoll = TcpTransport.configuredBusyPoll();
            } catch (IllegalArgumentException e) {
                throw refusal(e.getMessage());
            }
        } else if (busyPollMicros < 0 || busyPollMicros > 1000) {
            throw refusal("--busy-poll-us must be 0 (off) to 1000, got " + busyPollMicros);
        } else {
            busyPoll = Duration.ofNanos(busyPollMicros * 1000L);
        }
        if (intervalMs < 0) {
            throw refusal("--interval-ms must be 0 (continuous) or more, not " + intervalMs);
        }
        if (seconds != null && slice != null) {
            throw refusal(
                    "give --duration (each client's seconds in all) or --slice (each round's),"
                            + " not both");
        }
        double s;
        if (seconds != null) {
            if (seconds < 1) {
                throw refusal("--duration must be at least 1, got " + seconds);
            }
            s = (double) seconds / rounds;
            if (s < MIN_SLICE) {
                throw refusal(
                        "--duration "
                                + seconds
                                + " over "
                                + rounds
                                + " rounds makes slices of "
                                + s
                                + " s; a slice must be at least "
                                + MIN_SLICE
                                + " s");
            }
        } else {
            s = slice == null ? SLICE : slice;
            if (!(s >= MIN_SLICE) || s > 3600) {
                throw refusal("--slice must be " + MIN_SLICE + " to 3600 seconds, got " + s);
            }
        }
        return new PollBench.Plan(
                Duration.ofSeconds(warmup),
                rounds,
                Duration.ofNanos(Math.round(s * 1e9)),
                Duration.ofMillis(intervalMs),
                busyPoll);
    }

    private ParameterException refusal(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
