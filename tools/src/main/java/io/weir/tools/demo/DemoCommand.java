package io.weir.tools.demo;

import io.weir.abi.DeviceConfig;
import io.weir.host.Kernel;
import io.weir.host.points.Point;
import io.weir.host.poll.DeviceSpec;
import io.weir.tools.JsonLines;
import io.weir.tools.drivers.DriverSource;
import io.weir.tools.sim.ModbusTcpSimulator;
import io.weir.tools.sim.RegisterMap;
import io.weir.tools.sim.SimPoint;
import io.weir.tools.uplink.DemoUplink;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code weir demo}: a Modbus TCP simulator on loopback, polled by the host kernel through the
 * bundled WASM Modbus driver over real TCP, with every point printed as it arrives.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        header = "Simulator -> host -> WASM Modbus driver, live points.",
        description =
                "Start a Modbus TCP simulator on a free loopback port and poll it with "
                        + "the host and the bundled WebAssembly Modbus driver; print live "
                        + "points. Runs until Ctrl-C or --duration.")
public final class DemoCommand implements Callable<Integer> {
    static final String DEVICE = "demo-plc";
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    @Spec CommandSpec spec;

    private volatile boolean stopping;

    @Option(
            names = "--duration",
            paramLabel = "S",
            description = "Stop after S seconds and exit 0 (default: run until Ctrl-C).")
    Double duration;

    @Option(
            names = "--interval",
            defaultValue = "1000",
            paramLabel = "MS",
            description = "Poll interval in ms (default ${DEFAULT-VALUE}).")
    long intervalMillis;

    @Option(
            names = "--driver",
            defaultValue = "modbus",
            paramLabel = "NAME|FILE",
            description = "Modbus driver to use (default: the bundled ${DEFAULT-VALUE}).")
    String driver;

    @Option(names = "--json", description = "One JSON object per point per line.")
    boolean json;

    @Option(
            names = "--uplink",
            description =
                    "Also send every point through the uplink (SM2/SM4 envelopes in TLS) to a"
                            + " receiver on loopback, with a fresh PKI in a temporary directory,"
                            + " and report what arrived.")
    boolean uplink;

    @Override
    public Integer call() throws Exception {
        if (duration != null && !(duration > 0)) {
            throw new IllegalArgumentException("--duration must be > 0 seconds, got " + duration);
        }
        if (intervalMillis < 1) {
            throw new IllegalArgumentException("--interval must be at least 1 ms");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RegisterMap map = RegisterMap.builtIn();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        int port = freePort(loopback);
        byte[] wasm = DriverSource.bytes(driver);

        JsonLines lines = new JsonLines(out);
        Path work = uplink ? Files.createTempDirectory("weir-demo-") : null;
        AtomicLong sent = new AtomicLong();
        AtomicLong received = new AtomicLong();
        try (DemoUplink up =
                        uplink ? DemoUplink.start(work, work.resolve("received.jsonl")) : null;
                ModbusTcpSimulator sim = new ModbusTcpSimulator(map, loopback, port, 1, 100);
                Kernel kernel =
                        new Kernel(
                                batch -> {
                                    if (print(batch, out, lines) && up != null) {
                                        sent.addAndGet(batch.size());
                                        up.sink().accept(batch);
                                    }
                                })) {
            if (up != null) {
                up.onReceived((gateway, points) -> received.addAndGet(points.size()));
                (json ? err : out).println("demo: " + up.describe());
            }
            var module = kernel.loadDriver(driver, wasm);
            DeviceSpec device =
                    deviceSpec(
                            sim.registerMap(),
                            loopback.getHostAddress(),
                            sim.port(),
                            module.manifest().name());
            kernel.addDevice(device);
            if (!json) {
                out.printf(
                        "demo: simulator on %s (unit 1), driver %s, %d points every %d ms%s%n",
                        device.address(),
                        module.label(),
                        device.pointNames().size(),
                        intervalMillis,
                        duration == null ? "; Ctrl-C stops" : "; for " + duration + " s");
                out.printf(
                        "%-12s  %-10s  %-20s  %-24s  %s%n",
                        "TIME", "DEVICE", "POINT", "VALUE", "QUALITY");
                out.flush();
            }
            CountDownLatch stop = new CountDownLatch(1);
            Thread hook = new Thread(stop::countDown, "weir-demo-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            kernel.start();
            try {
                if (duration == null) {
                    stop.await();
                } else {
                    stop.await(Math.round(duration * 1000), TimeUnit.MILLISECONDS);
                }
            } finally {
                // Points the sessions deliver while stopping (a request cut off by our own close
                // reports BAD_COMM) are shutdown artefacts, not live values: the output ends here.
                stopping = true;
                kernel.stop();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // Ctrl-C: the JVM is already running the hooks.
                }
            }
            kernel.status().forEach(s -> err.println("demo: " + s));
            err.flush();
        }
        if (uplink) {
            // The uplink closed last (resources close in reverse): flushed, acknowledgements in.
            (json ? err : out)
                    .printf(
                            "demo: uplink delivered %d of %d points to the receiver (%s)%n",
                            received.get(), sent.get(), work.resolve("received.jsonl"));
            (json ? err : out).flush();
        }
        return 0;
    }

    /**
     * One point line per simulated value, with the simulator's types and orders; the point takes
     * the value's plant name from the register map, or {@code <area>/<address>} without one.
     */
    DeviceSpec deviceSpec(RegisterMap map, String host, int port, String driverName) {
        StringBuilder config = new StringBuilder("device unit=1\n");
        List<String> names = new ArrayList<>();
        int index = 0;
        for (SimPoint p : map.points()) {
            config.append("point ")
                    .append(index++)
                    .append(" area=")
                    .append(p.area().key())
                    .append(" address=")
                    .append(p.address())
                    .append(" type=")
                    .append(p.kind().key());
            if (p.kind().registers() > 1) {
                config.append(" order=").append(p.order().name());
            }
            config.append('\n');
            names.add(p.pointName());
        }
        return new DeviceSpec(
                DEVICE,
                host,
                port,
                driverName,
                DeviceConfig.parse(config.toString()),
                names,
                Duration.ofMillis(intervalMillis));
    }

    /** Prints a batch; false if the demo is stopping and the batch was left out. */
    private boolean print(List<Point> batch, PrintWriter out, JsonLines lines) {
        if (stopping) {
            return false;
        }
        for (Point p : batch) {
            Object value =
                    p.value() instanceof byte[] b
                            ? Base64.getEncoder().encodeToString(b)
                            : p.value();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("device", p.device());
                m.put("point", p.point());
                m.put("value", value);
                m.put("quality", p.qualityClass());
                m.put("ts", p.tsMillis());
                if (p.error() != null) {
                    m.put("error", p.error());
                }
                lines.write(m);
            } else {
                String shown =
                        value instanceof Double d
                                ? String.format("%.3f", d)
                                : String.valueOf(value);
                synchronized (out) {
                    out.printf(
                            "%-12s  %-10s  %-20s  %-24s  %s%s%n",
                            TIME.format(Instant.ofEpochMilli(p.tsMillis())),
                            p.device(),
                            p.point(),
                            shown,
                            p.qualityClass(),
                            p.error() == null ? "" : "  " + p.error());
                    out.flush();
                }
            }
        }
        return true;
    }

    private static int freePort(InetAddress address) throws java.io.IOException {
        // The simulator binds after this socket closes; on loopback nobody else races for it.
        try (ServerSocket s = new ServerSocket(0, 1, address)) {
            return s.getLocalPort();
        }
    }
}
