package io.weir.tools.sim;

import io.weir.host.serial.LineSettings;
import io.weir.host.serial.PtyPair;
import io.weir.tools.cli.JsonLines;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code weir sim modbus-rtu}: a j2mod Modbus RTU slave on a serial port, or on a pty of its own.
 */
@Command(
        name = "modbus-rtu",
        mixinStandardHelpOptions = true,
        header = "A Modbus RTU slave (j2mod) on a serial port, with values that change over time.",
        description = {
            "Serve coils, discrete inputs, holding and input registers over Modbus RTU (j2mod"
                    + " serial slave) on a serial port, with values that change over time. Runs"
                    + " until Ctrl-C.",
            "With --pty the simulator makes its own serial line (a socat pty pair) and prints the"
                    + " gateway's end as a link address."
        })
public final class SimModbusRtuCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    static final class Where {
        @Option(
                names = "--device",
                paramLabel = "PATH",
                description = "The serial port to serve on, e.g. /dev/ttyUSB1.")
        Path device;

        @Option(
                names = "--pty",
                description =
                        "Make a pty pair (socat) and serve on one end; the other end is printed for"
                                + " the gateway.")
        boolean pty;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Where where;

    @Mixin SerialOptions serial;

    @Option(
            names = "--unit",
            paramLabel = "N",
            description =
                    "Slave address served, 1-247 (default 1). Repeat it for several slaves on one"
                            + " bus, each with its own copy of the registers.")
    List<Integer> units = new ArrayList<>();

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

    @Option(
            names = "--json",
            description =
                    "Print JSON lines: the serial line first (device, gateway), then the served map.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (duration != null && !(duration > 0)) {
            throw new IllegalArgumentException("--duration must be > 0 seconds, got " + duration);
        }
        List<Integer> served = units.isEmpty() ? List.of(1) : units;
        LineSettings line = serial.line();
        RegisterMap map =
                (registers == null ? RegisterMap.builtIn() : RegisterMap.read(registers))
                        .with(generators);
        PrintWriter out = spec.commandLine().getOut();
        Path dir = null;
        PtyPair pty = null;
        Path device = where.device;
        String gateway = null;
        try {
            if (where.pty) {
                dir = Files.createTempDirectory("weir-rtu-");
                pty = PtyPair.open(dir.resolve("gateway"), dir.resolve("sim"));
                device = pty.second();
                gateway = SerialOptions.gatewayAddress(pty.first().toString(), line);
            }
            try (ModbusRtuSimulator sim =
                    new ModbusRtuSimulator(map, device, line, served, tickMillis)) {
                print(out, sim, gateway);
                Foreground.await(duration);
            }
        } finally {
            if (pty != null) {
                pty.close();
            }
            if (dir != null) {
                Files.deleteIfExists(dir);
            }
        }
        return 0;
    }

    private void print(PrintWriter out, ModbusRtuSimulator sim, String gateway) {
        String unitText =
                sim.units().stream().map(String::valueOf).collect(Collectors.joining(", "));
        List<Map<String, Object>> slaves = new ArrayList<>();
        for (int u : sim.units()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("device", sim.device().toString());
            m.put("unit", u);
            slaves.add(m);
        }
        if (json) {
            Map<String, Object> head = new LinkedHashMap<>();
            head.put("device", sim.device().toString());
            head.put("line", sim.line().toString());
            head.put("units", sim.units());
            if (gateway != null) {
                head.put("gateway", gateway);
            }
            new JsonLines(out).write(head);
            RegisterListing.print(out, sim.registerMap(), true, slaves, "");
            return;
        }
        String title =
                String.format(
                        "Modbus RTU slave on %s (%s), unit%s %s (Ctrl-C stops it)%s",
                        sim.device(),
                        sim.line(),
                        sim.units().size() > 1 ? "s" : "",
                        unitText,
                        gateway == null ? "" : System.lineSeparator() + "gateway: " + gateway);
        RegisterListing.print(out, sim.registerMap(), false, slaves, title);
    }
}
