package io.weir.tools.sim;

import io.weir.tools.cli.HostPort;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code weir sim modbus-tcp}: a j2mod Modbus TCP slave with moving values. */
@Command(
        name = "modbus-tcp",
        mixinStandardHelpOptions = true,
        header = "A Modbus TCP slave (j2mod) with values that change over time.",
        description =
                "Serve coils, discrete inputs, holding and input registers over Modbus "
                        + "TCP (j2mod slave), with values that change over time. Runs until "
                        + "Ctrl-C.")
public final class SimModbusTcpCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = "--listen",
            required = true,
            paramLabel = "HOST:PORT",
            converter = HostPort.Converter.class,
            description = "Address to listen on, e.g. 127.0.0.1:5020 (502 needs root).")
    HostPort listen;

    @Option(
            names = "--unit",
            defaultValue = "1",
            description = "Unit identifier served (default ${DEFAULT-VALUE}).")
    int unit;

    @Option(
            names = "--registers",
            paramLabel = "FILE",
            description =
                    "Register file (TOML); default: the built-in map of every type and order.")
    Path registers;

    @Option(
            names = "--generator",
            paramLabel = "AREA.ADDR=GEN[:K=V,...]",
            description = {
                "Add or replace one value, e.g. holding.100=sine:type=f32,order=CDAB,period=10,amplitude=5",
                "GEN: constant, sine, ramp, counter, toggle, random. Repeatable."
            })
    List<String> generators = new ArrayList<>();

    @Option(
            names = "--tick",
            defaultValue = "100",
            paramLabel = "MS",
            description = "Generator update interval in ms (default ${DEFAULT-VALUE}).")
    long tickMillis;

    @Option(
            names = "--duration",
            paramLabel = "S",
            description = "Stop after S seconds (default: run until Ctrl-C).")
    Double duration;

    @Option(names = "--json", description = "Print the served map as JSON lines.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (duration != null && !(duration > 0)) {
            throw new IllegalArgumentException("--duration must be > 0 seconds, got " + duration);
        }
        RegisterMap map =
                (registers == null ? RegisterMap.builtIn() : RegisterMap.read(registers))
                        .with(generators);
        InetAddress address = InetAddress.getByName(listen.host());
        PrintWriter out = spec.commandLine().getOut();
        try (ModbusTcpSimulator sim =
                new ModbusTcpSimulator(map, address, listen.port(), unit, tickMillis)) {
            print(out, sim.registerMap());
            CountDownLatch stop = new CountDownLatch(1);
            Thread hook = new Thread(stop::countDown, "weir-sim-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                if (duration == null) {
                    stop.await();
                } else {
                    stop.await(Math.round(duration * 1000), TimeUnit.MILLISECONDS);
                }
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // Ctrl-C: the JVM is already running the hooks.
                }
            }
        }
        return 0;
    }

    private void print(PrintWriter out, RegisterMap map) {
        Map<String, Object> where = new LinkedHashMap<>();
        where.put("listen", listen.toString());
        where.put("unit", unit);
        RegisterListing.print(
                out,
                map,
                json,
                where,
                String.format("Modbus TCP slave on %s, unit %d (Ctrl-C stops it)", listen, unit));
    }
}
