package io.weir.tools.bench;

import io.weir.tools.cli.JsonLines;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code weir bench scale}: {@code weir bench devices} at several device counts, one after the
 * other, and how each cost grows with N: latency, CPU time and allocation a poll, heap a device,
 * RSS; optionally a plot of latency against N.
 */
@Command(
        name = "scale",
        mixinStandardHelpOptions = true,
        description = {
            "Run `weir bench devices` at each device count (1 Hz, 10 points each), with the same"
                    + " options, and print how the costs grow with N: p50/p99 poll latency, CPU"
                    + " time and bytes allocated a poll, heap a device, RSS, threads.",
            "With --svg, also write a plot of p50 and p99 latency against the device count (both"
                    + " axes logarithmic)."
        })
public final class BenchScaleCommand implements Callable<Integer> {

    /** The fields of each side that a row keeps. */
    static final List<String> FIELDS =
            List.of(
                    "polls",
                    "missed",
                    "timeouts",
                    "p50_ms",
                    "p99_ms",
                    "max_ms",
                    "host_cpu_pct",
                    "heap_per_device_bytes",
                    "rss_mb",
                    "threads",
                    "alloc_bytes_per_poll",
                    "gcs",
                    "gc_ms",
                    "gcs_before_window",
                    "gc_ms_before_window",
                    "wrong_values");

    @Spec CommandSpec spec;

    @Option(names = "--json", description = "Print the result as one JSON object on the last line.")
    boolean json;

    @Option(
            names = "--devices",
            split = ",",
            paramLabel = "N",
            defaultValue = "100,1000,10000",
            description = "Device counts, comma-separated (default: ${DEFAULT-VALUE}).")
    List<Integer> counts;

    @Mixin DevicesRunOptions run;

    @Option(
            names = "--svg",
            paramLabel = "FILE",
            description = "Write the plot of latency against the device count to FILE.")
    Path svg;

    @Override
    public Integer call() throws Exception {
        if (counts.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--devices needs at least one count");
        }
        for (int n : counts) {
            if (n < 1 || n > 60_000) {
                throw new ParameterException(
                        spec.commandLine(), "--devices: each count must be 1..60000, got " + n);
            }
        }
        run.check(spec.commandLine());
        if (svg != null && svg.getParent() != null && !Files.isDirectory(svg.getParent())) {
            throw new ParameterException(
                    spec.commandLine(), "--svg: no folder " + svg.getParent() + " to write into");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < counts.size(); i++) {
            int n = counts.get(i);
            err.printf(Locale.ROOT, "scale: %d of %d: %,d devices%n", i + 1, counts.size(), n);
            err.flush();
            Map<String, Object> r =
                    DevicesBench.run(
                            n,
                            run.duration(),
                            run.warmup(),
                            run.interval(),
                            run.baseline,
                            run.perSecond,
                            line -> {
                                err.println(line);
                                err.flush();
                            });
            rows.add(row(n, r));
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("bench", "scale");
        result.put("date", LocalDate.now().toString());
        result.put("duration_s", run.seconds);
        result.put("warmup_s", run.warmupSeconds);
        result.put("interval_ms", run.intervalMs);
        result.put("rows", rows);
        if (svg != null) {
            writePlot(rows);
            result.put("svg", svg.toString());
        }
        if (json) {
            new JsonLines(out).write(result);
        } else {
            table(out, rows);
        }
        out.flush();
        return 0;
    }

    /** One count's row: the fields of each side, and CPU time a poll. */
    static Map<String, Object> row(int devices, Map<String, Object> r) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("devices", devices);
        row.put("weir", side(r));
        @SuppressWarnings("unchecked")
        Map<String, Object> b = (Map<String, Object>) r.get("baseline");
        if (b != null) {
            row.put(String.valueOf(b.getOrDefault("side", "baseline")), side(b));
        }
        return row;
    }

    private static Map<String, Object> side(Map<String, Object> r) {
        Map<String, Object> s = new LinkedHashMap<>();
        for (String f : FIELDS) {
            if (r.containsKey(f)) {
                s.put(f, r.get(f));
            }
        }
        double window = number(r.get("window_s"));
        double polls = number(r.get("polls"));
        double cpuPct = number(r.get("host_cpu_pct"));
        if (window > 0 && polls > 0) {
            // host_cpu_pct is of one core: CPU seconds a second, so µs a poll at this rate.
            s.put("cpu_us_per_poll", Math.round(cpuPct / 100 * window * 1e6 / polls * 10) / 10.0);
        }
        return s;
    }

    private static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : 0;
    }

    private void writePlot(List<Map<String, Object>> rows) throws IOException {
        List<Integer> xs = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            xs.add((Integer) row.get("devices"));
        }
        List<ScalePlot.Series> series = new ArrayList<>();
        series.add(new ScalePlot.Series("weir p99", "#c0392b", null, ys(rows, "weir", "p99_ms")));
        series.add(new ScalePlot.Series("weir p50", "#c0392b", "6 4", ys(rows, "weir", "p50_ms")));
        if (run.baseline != null) {
            series.add(
                    new ScalePlot.Series(
                            run.baseline + " p99",
                            "#2c3e50",
                            null,
                            ys(rows, run.baseline, "p99_ms")));
            series.add(
                    new ScalePlot.Series(
                            run.baseline + " p50",
                            "#2c3e50",
                            "6 4",
                            ys(rows, run.baseline, "p50_ms")));
        }
        String title =
                String.format(
                        Locale.ROOT,
                        "Poll latency against devices (%s, %d s a count after %d s of warm-up)",
                        LocalDate.now(),
                        run.seconds,
                        run.warmupSeconds);
        Files.writeString(svg, ScalePlot.svg(title, xs, series), StandardCharsets.UTF_8);
    }

    private static List<Double> ys(List<Map<String, Object>> rows, String side, String field) {
        List<Double> ys = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            @SuppressWarnings("unchecked")
            Map<String, Object> s = (Map<String, Object>) row.get(side);
            ys.add(s == null ? 0 : number(s.get(field)));
        }
        return ys;
    }

    private static void table(PrintWriter out, List<Map<String, Object>> rows) {
        List<String> fields = new ArrayList<>(FIELDS);
        fields.add("cpu_us_per_poll");
        for (Map<String, Object> row : rows) {
            out.printf(Locale.ROOT, "%,d devices%n", (Integer) row.get("devices"));
            for (String f : fields) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-22s", f));
                for (Map.Entry<String, Object> e : row.entrySet()) {
                    if (e.getValue() instanceof Map<?, ?> m) {
                        line.append(String.format(Locale.ROOT, " %8s %-12s", e.getKey(), m.get(f)));
                    }
                }
                out.println(line);
            }
        }
    }
}
