package io.weir.tools.bench;

import io.weir.host.driver.DriverSource;
import io.weir.host.wasm.ChicoryEngine;
import io.weir.host.wasm.WasmEngine;
import io.weir.host.wasm.WasmProgram;
import io.weir.tools.cli.JsonLines;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code weir bench decode [--json]}. */
@Command(
        name = "decode",
        mixinStandardHelpOptions = true,
        description = {
            "Decode Modbus TCP responses with the WASM Modbus driver through the host's driver"
                    + " classes and with a hand-written Java reader of the same frames and point"
                    + " maps (10 and 100 u16, 6 and 50 mixed types and orders), side by side in one"
                    + " run; print points per second of each and their ratio, for decoding alone"
                    + " and for whole cycles (poll, frame_len, on_frame, records into points).",
            "Time is the thread's CPU time; samples of every case are interleaved round by round"
                    + " and the median and spread of the rounds are given."
        })
public final class BenchDecodeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--json", description = "Print the result as one JSON object on the last line.")
    boolean json;

    @Option(
            names = "--driver",
            defaultValue = "modbus",
            paramLabel = "NAME|FILE",
            description =
                    "The Modbus driver: a bundled name or a .wasm file (default: ${DEFAULT-VALUE}).")
    String driver;

    @Option(
            names = "--compare",
            paramLabel = "FILE",
            description =
                    "Another build of the Modbus driver (e.g. before a change), measured in the same"
                            + " rounds.")
    String compare;

    @Option(
            names = "--rounds",
            defaultValue = "5",
            description = "Measured rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(
            names = "--sample-ms",
            defaultValue = "250",
            description = "CPU time per case per round (default: ${DEFAULT-VALUE}).")
    long sampleMs;

    @Option(
            names = "--warmup-ms",
            defaultValue = "3000",
            description = "CPU time per case before the first round (default: ${DEFAULT-VALUE}).")
    long warmupMs;

    @Option(
            names = "--interpreted",
            description =
                    "Run the driver in Chicory's interpreter instead of compiled code (for"
                            + " comparison only).")
    boolean interpreted;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        WasmEngine engine =
                new ChicoryEngine(
                        interpreted ? ChicoryEngine.Mode.INTERPRETED : ChicoryEngine.Mode.COMPILED);
        List<DecodeBench.Driver> drivers = new ArrayList<>();
        byte[] main = DriverSource.bytes(driver);
        drivers.add(
                new DecodeBench.Driver(
                        "wasm",
                        DriverSource.sourceName(driver),
                        DecodeBench.load(engine, DriverSource.sourceName(driver), main)));
        if (compare != null) {
            drivers.add(
                    new DecodeBench.Driver(
                            "compare",
                            DriverSource.sourceName(compare),
                            DecodeBench.load(
                                    engine,
                                    DriverSource.sourceName(compare),
                                    DriverSource.bytes(compare))));
        }
        WasmProgram module =
                engine.load(
                        DriverSource.sourceName(driver), main, DecodeBench.LIMITS.memoryCapPages());
        Map<String, Object> r =
                DecodeBench.run(
                        new DecodeBench.Options(
                                drivers,
                                RegisterPointMap.standard(),
                                rounds,
                                sampleMs,
                                warmupMs,
                                module),
                        line -> {
                            err.println(line);
                            err.flush();
                        });
        r.put("engine", interpreted ? "chicory-interpreted" : "chicory-compiled");
        if (json) {
            new JsonLines(out).write(r);
        } else {
            printTable(out, r);
        }
        out.flush();
        return 0;
    }

    @SuppressWarnings("unchecked")
    private static void printTable(PrintWriter out, Map<String, Object> r) {
        out.printf(
                Locale.ROOT,
                "%-10s %-7s %14s %14s %7s %13s%n",
                "map",
                "what",
                "wasm points/s",
                "java points/s",
                "ratio",
                "ratio min-max");
        List<Map<String, Object>> rows = new ArrayList<>((List<Map<String, Object>>) r.get("maps"));
        Map<String, Object> overall = (Map<String, Object>) r.get("overall");
        rows.add(
                Map.of(
                        "map",
                        "overall",
                        "decode",
                        overall.get("decode"),
                        "cycle",
                        overall.get("cycle")));
        for (Map<String, Object> m : rows) {
            for (String what : List.of("decode", "cycle")) {
                Map<String, Object> s = (Map<String, Object>) m.get(what);
                out.printf(
                        Locale.ROOT,
                        "%-10s %-7s %,14d %,14d %7.2f %6.2f-%.2f%n",
                        m.get("map"),
                        what,
                        (Long) s.get("wasm_points_per_s"),
                        (Long) s.get("java_points_per_s"),
                        (Double) s.get("ratio"),
                        (Double) s.get("ratio_min"),
                        (Double) s.get("ratio_max"));
            }
        }
        out.printf(
                Locale.ROOT,
                "clock: %s, %s rounds of %s ms per case, medians%n",
                r.get("clock"),
                r.get("rounds"),
                r.get("sample_ms"));
    }
}
