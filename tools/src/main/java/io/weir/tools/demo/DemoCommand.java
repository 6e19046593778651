package io.weir.tools.demo;

import io.weir.abi.DeviceConfig;
import io.weir.host.Kernel;
import io.weir.host.driver.DriverSource;
import io.weir.host.io.LinkAddress;
import io.weir.host.points.Point;
import io.weir.host.points.Value;
import io.weir.host.poll.DeviceSpec;
import io.weir.host.tcp.TcpTransport;
import io.weir.tools.cli.JsonLines;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
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
        header = "Simulator -> host -> WASM driver -> encrypted uplink -> receiver.",
        description =
                "Start a Modbus TCP simulator on a free loopback port and poll it with "
                        + "the host and the bundled WebAssembly Modbus driver; print live "
                        + "points. Every point also goes through the uplink (SM4-GCM envelopes "
                        + "with SM2-wrapped keys, in mutual TLS 1.3 with TLS_SM4_GCM_SM3) to a "
                        + "receiver on loopback, and a line each second says what the receiver "
                        + "decrypted. Runs until Ctrl-C or --duration.")
public final class DemoCommand implements Callable<Integer> {
    static final String DEVICE = "demo-plc";
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    @Spec CommandSpec spec;

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

    @Option(
            names = "--json",
            description =
                    "One JSON object per polled point per line on stdout; uplink progress goes"
                            + " to stderr.")
    boolean json;

    @Option(
            names = "--uplink",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description =
                    "Send every point through the uplink to a receiver on loopback, with a fresh"
                            + " SM2 PKI in a temporary directory, and show what the receiver"
                            + " decrypted (default: on; --no-uplink polls only).")
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
        // Progress about the uplink: beside the table for a person, never on JSON stdout.
        PrintWriter progress = json ? err : out;
        RegisterMap map = RegisterMap.builtIn();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        int port = freePort(loopback);
        byte[] wasm = DriverSource.bytes(driver);
        Path work = uplink ? Files.createTempDirectory("weir-demo-") : null;
        JsonLines lines = new JsonLines(out);
        CountDownLatch stop = new CountDownLatch(1);

        // Closed last (resources close in reverse): the kernel's final points are in it by then.
        UplinkFeed feed = uplink ? new UplinkFeed() : null;
        try (feed;
                ModbusTcpSimulator sim = new ModbusTcpSimulator(map, loopback, port, 1, 100);
                Kernel kernel =
                        new Kernel(
                                batch -> {
                                    print(batch, out, lines);
                                    if (feed != null) {
                                        feed.accept(batch);
                                    }
                                },
                                new TcpTransport())) {
            // The driver is compiled and probed before the uplink starts: its calls run under
            // the watchdog's budget (ABI §10.2), which a busy start-up next to it could exceed.
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
                        device.link().hostPort(),
                        module.label(),
                        device.pointNames().size(),
                        intervalMillis,
                        duration == null ? "; Ctrl-C stops" : "; for " + duration + " s");
                out.printf(
                        "%-12s  %-10s  %-20s  %-24s  %s%n",
                        "TIME", "DEVICE", "POINT", "VALUE", "QUALITY");
                out.flush();
            }
            Thread hook = new Thread(stop::countDown, "weir-demo-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            kernel.start();
            if (feed != null) {
                feed.start(
                        work,
                        up -> println(progress, "demo: " + up.describe()),
                        failed -> stop.countDown());
            }
            try {
                long deadline =
                        duration == null ? 0 : System.nanoTime() + Math.round(duration * 1e9);
                while (true) {
                    long waitMs = 1000;
                    if (duration != null) {
                        long leftMs = (deadline - System.nanoTime()) / 1_000_000;
                        if (leftMs <= 0) {
                            break;
                        }
                        waitMs = Math.min(waitMs, leftMs);
                    }
                    if (stop.await(waitMs, TimeUnit.MILLISECONDS)) {
                        break;
                    }
                    if (feed != null) {
                        feed.progress().ifPresent(line -> println(progress, line));
                    }
                }
            } finally {
                // Session.stop() abandons a request it cuts off without points, so nothing bad
                // is printed at shutdown. Closing the kernel waits for the sessions' last work:
                // no point line follows the status lines below.
                kernel.close();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // Ctrl-C: the JVM is already running the hooks.
                }
            }
            kernel.status().forEach(s -> err.println("demo: " + s));
            err.flush();
            if (feed != null && feed.failure() != null) {
                throw new IllegalStateException(
                        "the uplink did not start: "
                                + feed.failure()
                                + " (--no-uplink runs the demo without it)");
            }
        }
        if (uplink) {
            // The feed closed after the kernel: flushed, the last acknowledgements in.
            println(
                    progress,
                    String.format(
                            "demo: uplink delivered %d of %d points to the receiver, decrypted"
                                    + " (%s)",
                            feed.received(), feed.sent(), work.resolve("received.jsonl")));
        }
        return 0;
    }

    private static void println(PrintWriter w, String line) {
        synchronized (w) {
            w.println(line);
            w.flush();
        }
    }

    /**
     * The demo's side of the uplink. It starts once the kernel polls, so that the first poll
     * interval covers its start-up (SM2 keys and certificates, two H2 databases, a TLS handshake:
     * about 1.5 s); batches polled before it is up wait here and go out in order when it is.
     * Progress counts what the receiver stored after opening the envelopes ({@link
     * DemoUplink#onReceived}): the far end's word, not the sender's.
     */
    private static final class UplinkFeed implements AutoCloseable {
        private final List<List<Point>> pending = new ArrayList<>();
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong received = new AtomicLong();
        private final AtomicReference<Point> last = new AtomicReference<>();
        private CompletableFuture<DemoUplink> starting = CompletableFuture.completedFuture(null);
        private DemoUplink up; // guarded by this
        private volatile String failure;

        /** Starts the uplink in {@code work} in the background. */
        void start(Path work, Consumer<DemoUplink> onUp, Consumer<Throwable> onFailure) {
            starting =
                    CompletableFuture.supplyAsync(
                            () -> {
                                try {
                                    DemoUplink u =
                                            DemoUplink.start(work, work.resolve("received.jsonl"));
                                    attach(u);
                                    onUp.accept(u);
                                    return u;
                                } catch (Exception e) {
                                    failure =
                                            e.getMessage() == null ? e.toString() : e.getMessage();
                                    synchronized (this) {
                                        pending.clear();
                                    }
                                    onFailure.accept(e);
                                    throw new CompletionException(e);
                                }
                            });
        }

        private synchronized void attach(DemoUplink u) {
            u.onReceived(
                    (gateway, points) -> {
                        received.addAndGet(points.size());
                        if (!points.isEmpty()) {
                            last.set(points.get(points.size() - 1));
                        }
                    });
            for (List<Point> batch : pending) {
                u.sink().accept(batch);
            }
            pending.clear();
            up = u;
        }

        /** Hands a polled batch to the uplink, or keeps it until the uplink is up. */
        synchronized void accept(List<Point> batch) {
            if (failure != null) {
                return;
            }
            sent.addAndGet(batch.size());
            if (up != null) {
                up.sink().accept(batch);
            } else {
                pending.add(batch);
            }
        }

        /** The progress line, once points flow. */
        Optional<String> progress() {
            DemoUplink u;
            synchronized (this) {
                u = up;
            }
            if (u == null || sent.get() == 0) {
                return Optional.empty();
            }
            Point p = last.get();
            return Optional.of(
                    String.format(
                            "uplink: %d points sealed (SM4-GCM, SM2-wrapped key, TLS 1.3 GM), %d"
                                    + " received decrypted by the receiver%s",
                            u.uplink().status().committedPoints(),
                            received.get(),
                            p == null ? "" : ", last: " + p.point() + "=" + shown(p)));
        }

        long sent() {
            return sent.get();
        }

        long received() {
            return received.get();
        }

        String failure() {
            return failure;
        }

        /** Waits for a start under way, then flushes and stops the uplink and the receiver. */
        @Override
        public void close() {
            DemoUplink u;
            try {
                u = starting.join();
            } catch (CompletionException | java.util.concurrent.CancellationException e) {
                return; // it never started; failure() says why
            }
            if (u != null) {
                u.close();
            }
        }
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
                new LinkAddress("tcp", host, port, "", java.util.Map.of()),
                driverName,
                DeviceConfig.parse(config.toString()),
                names,
                Duration.ofMillis(intervalMillis));
    }

    /** Prints a batch: a JSON line or a table row per point. */
    private void print(List<Point> batch, PrintWriter out, JsonLines lines) {
        for (Point p : batch) {
            Object value = p.value().json();
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
                synchronized (out) {
                    out.printf(
                            "%-12s  %-10s  %-20s  %-24s  %s%s%n",
                            TIME.format(Instant.ofEpochMilli(p.tsMillis())),
                            p.device(),
                            p.point(),
                            shown(p),
                            p.qualityClass(),
                            p.error() == null ? "" : "  " + p.error());
                    out.flush();
                }
            }
        }
    }

    /** A value as the table shows it: doubles to 3 decimals. */
    private static String shown(Point p) {
        return p.value() instanceof Value.F64 d
                ? String.format("%.3f", d.value())
                : p.value().text();
    }

    private static int freePort(InetAddress address) throws java.io.IOException {
        // The simulator binds after this socket closes; on loopback nobody else races for it.
        try (ServerSocket s = new ServerSocket(0, 1, address)) {
            return s.getLocalPort();
        }
    }
}
