package io.weir.tools.sim;

import io.weir.tools.cli.HostPort;
import io.weir.tools.cli.JsonLines;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code weir sim s7}: a strict S7 CPU on ISO-on-TCP with moving values. */
@Command(
        name = "s7",
        mixinStandardHelpOptions = true,
        header = "A Siemens S7 CPU (S7comm over ISO-on-TCP) with values that change over time.",
        description =
                "Serve data blocks, flags (M), inputs (I), outputs (Q), timers and counters over"
                        + " S7comm (RFC 1006, COTP class 0): COTP connect for one rack and slot,"
                        + " Setup Communication negotiating the PDU length down to --pdu, Read Var"
                        + " and Write Var with the item errors a CPU gives. Values move with their"
                        + " generators; what clients write stays. Runs until Ctrl-C.")
public final class SimS7Command implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = "--listen",
            required = true,
            paramLabel = "HOST:PORT",
            converter = HostPort.Converter.class,
            description = "Address to listen on, e.g. 127.0.0.1:1102 (102 needs root).")
    HostPort listen;

    @Option(
            names = "--rack",
            defaultValue = "0",
            description = "Rack of the CPU, 0..7 (default ${DEFAULT-VALUE}).")
    int rack;

    @Option(
            names = "--slot",
            defaultValue = "1",
            description = "Slot of the CPU, 0..31 (default ${DEFAULT-VALUE}).")
    int slot;

    @Option(
            names = "--pdu",
            defaultValue = "240",
            paramLabel = "N",
            description =
                    "Largest PDU length it negotiates, 240..960 (default ${DEFAULT-VALUE}, an S7-300's).")
    int pdu;

    @Option(
            names = "--db",
            paramLabel = "DB:SIZE",
            description = {
                "Serve a data block of SIZE bytes, e.g. 1:256 or DB5:1024. Repeatable;"
                        + " default: DB1 of 256 bytes."
            })
    List<String> dbs = new ArrayList<>();

    @Option(
            names = "--generator",
            paramLabel = "ADDRESS=GEN[:K=V,...]",
            description = {
                "Add or replace one value, e.g. DB1.DBD14:REAL=sine:period=10,amplitude=5 or"
                        + " DB1.DBB26:STRING[20]=text:value=hello",
                "GEN: constant, sine, ramp, counter, toggle, random, text. Repeatable."
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

    @Option(names = "--json", description = "Print the served values as JSON lines.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        // Every option is checked before anything is bound.
        if (listen.port() == 0) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--listen "
                            + listen
                            + ": port 0 would pick a random port; give one of 1..65535");
        }
        if (rack < 0 || rack > 7) {
            throw new ParameterException(spec.commandLine(), "--rack " + rack + " is not 0..7");
        }
        if (slot < 0 || slot > 31) {
            throw new ParameterException(spec.commandLine(), "--slot " + slot + " is not 0..31");
        }
        if (pdu < 240 || pdu > 960) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--pdu " + pdu + " is not 240..960 (the PDU lengths S7 CPUs offer)");
        }
        if (tickMillis <= 0) {
            throw new ParameterException(
                    spec.commandLine(), "--tick must be > 0 ms, got " + tickMillis);
        }
        if (duration != null && !(duration > 0)) {
            throw new ParameterException(
                    spec.commandLine(), "--duration must be > 0 seconds, got " + duration);
        }
        Map<Integer, Integer> sizes = dbSizes();
        List<String> flags = new ArrayList<>(S7Simulator.BUILT_IN);
        flags.addAll(generators);
        List<S7SimValue> all = S7SimValue.parseAll(flags, 1);
        // Built-in values outside the served memory (a DB1 not served, or smaller) are left out; a
        // --generator outside it is an error.
        S7Memory probe = new S7Memory(sizes);
        List<S7SimValue> values = new ArrayList<>();
        List<String> left = new ArrayList<>();
        java.util.Set<S7Address> own = new java.util.HashSet<>();
        S7SimValue.parseAll(generators, 1000).forEach(v -> own.add(v.address()));
        for (S7SimValue v : all) {
            String misfit = probe.misfit(v.address());
            if (misfit == null) {
                values.add(v);
            } else if (own.contains(v.address())) {
                throw new IllegalArgumentException("--generator " + misfit);
            } else {
                left.add(v.address().toString());
            }
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(listen.host());
        } catch (UnknownHostException e) {
            throw new UnknownHostException(
                    "--listen " + listen + ": unknown host " + listen.host());
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (S7Simulator sim =
                new S7Simulator(
                        sizes,
                        values,
                        address,
                        listen.port(),
                        rack,
                        slot,
                        pdu,
                        tickMillis,
                        line -> {
                            err.println(line);
                            err.flush();
                        })) {
            print(out, sim, left);
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

    /** {@code --db} values as DB number → size; DB1 of 256 bytes without any. */
    private Map<Integer, Integer> dbSizes() {
        Map<Integer, Integer> sizes = new TreeMap<>();
        if (dbs.isEmpty()) {
            sizes.put(1, 256);
        }
        for (String d : dbs) {
            String t = d.toUpperCase(java.util.Locale.ROOT);
            t = t.startsWith("DB") ? t.substring(2) : t;
            int colon = t.indexOf(':');
            int n;
            int size;
            try {
                n = Integer.parseInt(t.substring(0, Math.max(colon, 0)));
                size = Integer.parseInt(t.substring(colon + 1));
            } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--db " + d + " is not DB:SIZE (e.g. 1:256 or DB5:1024)");
            }
            if (n < 1 || n > 65535 || size < 1 || size > 65536) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--db " + d + ": DB numbers are 1..65535, sizes 1..65536 bytes");
            }
            if (sizes.put(n, size) != null) {
                throw new ParameterException(
                        spec.commandLine(), "--db " + d + ": DB" + n + " is given twice");
            }
        }
        return sizes;
    }

    private void print(PrintWriter out, S7Simulator sim, List<String> left) {
        if (json) {
            JsonLines lines = new JsonLines(out);
            for (S7SimValue v : sim.values()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("listen", listen.toString());
                m.put("rack", rack);
                m.put("slot", slot);
                m.put("pdu", pdu);
                m.put("address", v.address().toString());
                m.put("type", v.address().type().key());
                m.put("generator", v.describe());
                lines.write(m);
            }
            return;
        }
        out.printf(
                "S7 CPU simulator on %s, rack %d slot %d, PDU up to %d bytes (Ctrl-C stops it)%n",
                listen, rack, slot, pdu);
        StringBuilder areas = new StringBuilder();
        sim.memory()
                .dbSizes()
                .forEach(
                        (n, size) ->
                                areas.append("DB")
                                        .append(n)
                                        .append(' ')
                                        .append(size)
                                        .append(" bytes, "));
        out.printf(
                "memory: %sM %d bytes, I %d, Q %d, T0..T%d, C0..C%d%n",
                areas,
                S7Memory.FLAG_BYTES,
                S7Memory.INPUT_BYTES,
                S7Memory.OUTPUT_BYTES,
                S7Memory.TIMERS - 1,
                S7Memory.COUNTERS - 1);
        if (!left.isEmpty()) {
            out.println(
                    "built-in values outside the served memory, left out: "
                            + String.join(", ", left));
        }
        int width =
                sim.values().stream().mapToInt(v -> v.address().toString().length()).max().orElse(7)
                        + 2;
        out.printf("%-" + width + "s%s%n", "ADDRESS", "GENERATOR");
        for (S7SimValue v : sim.values()) {
            out.printf("%-" + width + "s%s%n", v.address(), v.describe());
        }
        out.flush();
    }
}
