package io.weir.tools.bench;

import io.weir.tools.cli.JsonLines;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code weir bench devices --devices N --duration S [--baseline j2mod|plc4x] [--json]}. */
@Command(
        name = "devices",
        mixinStandardHelpOptions = true,
        description = {
            "Poll N simulated Modbus TCP devices (10 holding registers each, one point per"
                    + " register) at a fixed interval through the gateway's kernel, TCP transport"
                    + " and WASM Modbus driver, and optionally with j2mod masters or Apache PLC4X"
                    + " connections against the same devices.",
            "The devices are one simulator process on 127.0.0.1 (one port; a connection and unit"
                    + " id per device); each side runs in a JVM of its own with this JVM's"
                    + " options. Prints devices, polls, missed, p50_ms, p99_ms (cycle latency),"
                    + " heap_per_device_bytes, rss_mb, host_cpu_pct (of one core), threads;"
                    + " progress on stderr."
        })
public final class BenchDevicesCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--json", description = "Print the result as one JSON object on the last line.")
    boolean json;

    @Option(
            names = "--devices",
            defaultValue = "100",
            description = "Devices (default: ${DEFAULT-VALUE}).")
    int devices;

    @Mixin DevicesRunOptions run;

    @Override
    public Integer call() throws Exception {
        if (devices < 1 || devices > 60_000) {
            throw new ParameterException(
                    spec.commandLine(), "--devices must be 1..60000, got " + devices);
        }
        run.check(spec.commandLine());
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Object> r =
                DevicesBench.run(
                        devices,
                        run.duration(),
                        run.warmup(),
                        run.interval(),
                        run.baseline,
                        run.perSecond,
                        line -> {
                            err.println(line);
                            err.flush();
                        });
        if (json) {
            new JsonLines(out).write(r);
        } else {
            @SuppressWarnings("unchecked")
            Map<String, Object> b = (Map<String, Object>) r.get("baseline");
            out.printf(
                    Locale.ROOT,
                    "%-22s %14s %14s%n",
                    "",
                    "weir",
                    b == null ? "" : String.valueOf(b.get("side")));
            for (String k : r.keySet()) {
                if (k.equals("baseline")) {
                    continue;
                }
                out.printf(
                        Locale.ROOT,
                        "%-22s %14s %14s%n",
                        k,
                        r.get(k),
                        b == null || !b.containsKey(k) ? "" : b.get(k));
            }
        }
        out.flush();
        return 0;
    }
}
