package io.weir.tools.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code weir bench faults [--json] [--healthy N] [--fault NAME]...}. */
@Command(
        name = "faults",
        mixinStandardHelpOptions = true,
        description = {
            "A gateway on a fake transport with healthy fixture devices polled throughout, and"
                    + " beside them, one at a time, every misbehaviour of the hostile test driver"
                    + " (a loop in each call, unbounded memory growth, every length past its"
                    + " limit, garbage records, a never-ending cycle ...) and every module that"
                    + " misbehaves at load.",
            "Per fixture: stop_ms, how long the misbehaving calls ran before the host had control"
                    + " again (warm calls, after the cold-start grace; target under 100 ms for"
                    + " the call budget of 50 ms), and missed, the cycles the healthy devices"
                    + " missed meanwhile (target 0); the process's RSS. A progress line per"
                    + " fixture goes to stderr."
        })
public final class BenchFaultsCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--json", description = "Print the result as one JSON object on the last line.")
    boolean json;

    @Option(
            names = "--healthy",
            defaultValue = "10",
            description = "Healthy devices polled throughout (default: ${DEFAULT-VALUE}).")
    int healthy;

    @Option(
            names = "--healthy-interval-ms",
            defaultValue = "100",
            description = "Their poll interval (default: ${DEFAULT-VALUE}).")
    long healthyIntervalMs;

    @Option(
            names = "--hostile-interval-ms",
            defaultValue = "20",
            description = "The hostile device's poll interval (default: ${DEFAULT-VALUE}).")
    long hostileIntervalMs;

    @Option(
            names = "--max-seconds",
            defaultValue = "8",
            description = "Longest time one fixture may take (default: ${DEFAULT-VALUE}).")
    int maxSeconds;

    @Option(
            names = "--fault",
            paramLabel = "NAME",
            description = "Run only these fixtures (e.g. loop-poll, start-loop); repeatable.")
    List<String> only = List.of();

    @Override
    public Integer call() throws Exception {
        if (healthyIntervalMs < 1 || hostileIntervalMs < 1) {
            throw new IllegalArgumentException("poll intervals must be at least 1 ms");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Object> r =
                FaultsBench.run(
                        new FaultsBench.Options(
                                healthy,
                                Duration.ofMillis(healthyIntervalMs),
                                Duration.ofMillis(hostileIntervalMs),
                                maxSeconds,
                                only),
                        line -> {
                            err.println(line);
                            err.flush();
                        });
        if (json) {
            out.println(new ObjectMapper().writeValueAsString(r));
        } else {
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> fixtures = (List<Map<String, Object>>) r.get("fixtures");
            out.printf(
                    "%-22s %-16s %-14s %9s %7s %6s%n",
                    "FIXTURE", "KIND", "OUTCOME", "STOP_MS", "BUDGET", "MISSED");
            for (Map<String, Object> f : fixtures) {
                out.printf(
                        "%-22s %-16s %-14s %9s %7s %6s%n",
                        f.get("fixture"),
                        f.get("kind"),
                        f.get("outcome"),
                        f.get("stop_ms") == null ? "-" : f.get("stop_ms"),
                        f.get("budget_ms"),
                        f.get("missed"));
            }
            r.forEach(
                    (k, v) -> {
                        if (!k.equals("fixtures")) {
                            out.printf("%-22s %s%n", k, v);
                        }
                    });
        }
        out.flush();
        return 0;
    }
}
