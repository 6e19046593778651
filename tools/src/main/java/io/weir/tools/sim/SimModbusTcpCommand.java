package io.weir.tools.sim;

import io.weir.tools.cli.DurationOption;
import io.weir.tools.cli.HostPort;
import io.weir.tools.cli.JsonOption;
import io.weir.tools.cli.StopSignal;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
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

    @Mixin DurationOption durationOption;

    @Mixin JsonOption jsonOption;

    @Override
    public Integer call() throws Exception {
        // Every option is checked before anything is read or bound.
        if (listen.port() == 0) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--listen "
                            + listen
                            + ": port 0 would pick a random port; give one of 1..65535");
        }
        if (unit < 0 || unit > 255) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--unit " + unit + " is not a Modbus unit identifier (0..255)");
        }
        if (tickMillis <= 0) {
            throw new ParameterException(
                    spec.commandLine(), "--tick must be > 0 ms, got " + tickMillis);
        }
        Duration duration;
        try {
            duration = durationOption.value();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(listen.host());
        } catch (UnknownHostException e) {
            throw new UnknownHostException(
                    "--listen " + listen + ": unknown host " + listen.host());
        }
        RegisterMap map =
                (registers == null ? RegisterMap.builtIn() : RegisterMap.read(registers))
                        .with(generators);
        PrintWriter out = spec.commandLine().getOut();
        try (ModbusTcpSimulator sim =
                new ModbusTcpSimulator(map, address, listen.port(), unit, tickMillis)) {
            print(out, sim.registerMap());
            try (StopSignal stop = StopSignal.install()) {
                stop.await(duration);
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
                jsonOption.json(),
                where,
                String.format("Modbus TCP slave on %s, unit %d (Ctrl-C stops it)", listen, unit));
    }
}
