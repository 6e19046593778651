package io.weir.tools.driver;

import io.weir.tools.cli.JsonLines;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code weir bench swap [--json]}: hot swaps under load. */
@Command(
        name = "swap",
        mixinStandardHelpOptions = true,
        description = {
            "Hot swap under load: many Modbus devices (real j2mod slaves on loopback) polled through"
                    + " the bundled driver while the fleet is swapped between two versions of it"
                    + " again and again, each device at its own cycle boundary with its state handed"
                    + " across. Then every exchange in flight finishes and every cycle's points are"
                    + " counted.",
            "Prints devices, polls, missed (ticks that found a cycle still running), lost and"
                    + " duplicated (cycles whose points did not arrive once), swaps and the per-device"
                    + " swap pause (p50, p99, max). Targets: 0 missed, 0 lost, 0 duplicated, pause"
                    + " p99 < 10 ms. A progress line goes to stderr every second."
        })
public final class BenchSwapCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--json", description = "Print the result as one JSON object on the last line.")
    boolean json;

    @Option(
            names = "--devices",
            defaultValue = "64",
            description = "Devices (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(
            names = "--interval-ms",
            defaultValue = "50",
            description = "Each device's poll interval (default: ${DEFAULT-VALUE}).")
    long intervalMs;

    @Option(
            names = "--duration",
            defaultValue = "20",
            description = "Seconds of polling and swapping (default: ${DEFAULT-VALUE}).")
    long seconds;

    @Option(
            names = "--swap-every-ms",
            defaultValue = "500",
            description = "Swap the fleet this often (default: ${DEFAULT-VALUE}).")
    long swapEveryMs;

    @Option(
            names = "--warmup",
            defaultValue = "5",
            description =
                    "Seconds of polling before measuring, while the JIT compiles the driver's code"
                            + " (default: ${DEFAULT-VALUE}).")
    long warmup;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Object> r =
                SwapBench.run(
                        new SwapBench.Options(
                                devices,
                                Duration.ofMillis(intervalMs),
                                Duration.ofSeconds(seconds),
                                Duration.ofMillis(swapEveryMs),
                                Duration.ofSeconds(warmup)),
                        line -> {
                            err.println(line);
                            err.flush();
                        });
        if (json) {
            new JsonLines(out).write(r);
        } else {
            out.printf(
                    "%s devices every %s ms for %s s: %s polls (%s/s), %s missed, %s lost, %s duplicated,"
                            + " %s timeouts; %s swaps (%s device swaps), pause p50 %.2f ms, p99 %.2f ms,"
                            + " max %.2f ms%n",
                    r.get("devices"),
                    r.get("interval_ms"),
                    r.get("seconds"),
                    r.get("polls"),
                    r.get("polls_per_s"),
                    r.get("missed"),
                    r.get("lost"),
                    r.get("duplicated"),
                    r.get("timeouts"),
                    r.get("swaps"),
                    r.get("device_swaps"),
                    (Double) r.get("swap_pause_p50_ms"),
                    (Double) r.get("swap_pause_p99_ms"),
                    (Double) r.get("swap_pause_max_ms"));
        }
        out.flush();
        return 0;
    }
}
