package io.weir.tools.demo;

import io.weir.host.driver.DriverSource;
import io.weir.host.points.Point;
import io.weir.host.points.Value;
import io.weir.tools.admin.GatewayStatus;
import io.weir.tools.cli.DurationOption;
import io.weir.tools.cli.JsonLines;
import io.weir.tools.cli.JsonOption;
import io.weir.tools.cli.StopSignal;
import io.weir.tools.cli.Terminal;
import io.weir.tools.config.ConfigCheck;
import io.weir.tools.config.GatewayConfig;
import io.weir.tools.config.Problem;
import io.weir.tools.gateway.Gateway;
import io.weir.tools.run.GatewayService;
import io.weir.tools.run.RunCommand;
import io.weir.tools.sim.ModbusTcpSimulator;
import io.weir.tools.sim.RegisterMap;
import io.weir.tools.sim.SimPoint;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code weir demo}: what a user runs, on loopback. A Modbus TCP simulator; a gateway config
 * written for it; the gateway of {@code weir run} (config check, kernel, WASM driver, uplink, admin
 * API) started from that config; a receiver with a fresh SM2 PKI at the far end. Every point is
 * printed as it arrives, and once a second a line says what the receiver decrypted.
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
                        + "decrypted. Runs until Ctrl-C or --duration. With --json, stdout"
                        + " holds one JSON object per point and the progress goes to stderr.")
public final class DemoCommand implements Callable<Integer> {
    static final String DEVICE = "demo-plc";
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    @Spec CommandSpec spec;

    @Mixin DurationOption durationOption;

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

    @Mixin JsonOption jsonOption;

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
        Duration duration = durationOption.value();
        boolean json = jsonOption.json();
        if (intervalMillis < 1) {
            throw new IllegalArgumentException("--interval must be at least 1 ms");
        }
        DriverSource.bytes(driver); // a missing driver is said before anything starts
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // Progress about the uplink: beside the table for a person, never on JSON stdout.
        PrintWriter progress = json ? err : out;
        JsonLines lines = new JsonLines(out);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        Path work = Files.createTempDirectory("weir-demo-");
        AtomicLong printed = new AtomicLong();
        try (StopSignal stop = StopSignal.install();
                ModbusTcpSimulator sim =
                        new ModbusTcpSimulator(
                                RegisterMap.builtIn(), loopback, freePort(loopback), 1, 100);
                DemoReceiver receiver = uplink ? DemoReceiver.start(work, GATEWAY) : null) {
            Path configFile = work.resolve("weir.toml");
            Files.writeString(configFile, config(sim, receiver, work, freePort(loopback)));
            ConfigCheck.Report report = ConfigCheck.run(configFile);
            if (!report.ok()) {
                // The demo writes its own config: a problem here is a bug in the demo or driver.
                for (Problem p : report.problems()) {
                    err.println(p.format());
                }
                throw new IllegalStateException("the demo's generated config has problems");
            }
            GatewayConfig cfg = report.config().orElseThrow();
            // A second version of the driver to hot-swap to, for a second terminal.
            Path swapPackage =
                    DriverSource.isFile(driver)
                            ? null
                            : DemoSwap.prepare(work, cfg.gateway().dataDir());
            String status;
            try (GatewayService service =
                    GatewayService.start(
                            RunCommand.settings(cfg),
                            cfg.admin().listen(),
                            batch -> {
                                printed.addAndGet(batch.size());
                                print(batch, out, lines);
                            })) {
                Gateway g = service.gateway();
                if (!json) {
                    out.printf(
                            "demo: simulator on 127.0.0.1:%d (unit 1), driver %s, %d points every"
                                    + " %d ms%s%n",
                            sim.port(),
                            g.drivers().values().iterator().next().label(),
                            sim.registerMap().points().size(),
                            intervalMillis,
                            durationOption.describe());
                    out.printf(
                            "demo: the gateway runs %s; while it runs, try: weir status --config"
                                    + " %s%n",
                            configFile.getFileName(), configFile);
                    out.printf(
                            "%-12s  %-10s  %-20s  %-24s  %s%n",
                            "TIME", "DEVICE", "POINT", "VALUE", "QUALITY");
                    out.flush();
                }
                if (swapPackage != null) {
                    println(
                            progress,
                            "demo: swap the driver while points keep flowing, in a second terminal:"
                                    + " weir driver install "
                                    + swapPackage
                                    + " --activate --config "
                                    + configFile
                                    + "   (and back: weir driver rollback modbus --config "
                                    + configFile
                                    + ")");
                }
                if (receiver != null) {
                    println(
                            progress,
                            "demo: uplink: gateway "
                                    + GATEWAY
                                    + " -> receiver 127.0.0.1:"
                                    + receiver.port()
                                    + " (mutual TLS 1.3 TLS_SM4_GCM_SM3, SM2-wrapped SM4-GCM"
                                    + " envelopes, H2 outbox)");
                }
                long deadline = duration == null ? 0 : System.nanoTime() + duration.toNanos();
                while (true) {
                    long waitMs = 1000;
                    if (duration != null) {
                        long leftMs = (deadline - System.nanoTime()) / 1_000_000;
                        if (leftMs <= 0) {
                            break;
                        }
                        waitMs = Math.min(waitMs, leftMs);
                    }
                    if (stop.await(Duration.ofMillis(waitMs))) {
                        break;
                    }
                    if (receiver != null && g.uplink() != null && printed.get() > 0) {
                        println(progress, progress(g, receiver));
                    }
                }
                // Demo points are few: wait long enough for the receiver's last acknowledgements.
                service.close(Duration.ofSeconds(5));
                status = g.summary();
            }
            println(err, "demo: " + status);
            if (receiver != null) {
                println(
                        progress,
                        String.format(
                                "demo: uplink delivered %d of %d points to the receiver,"
                                        + " decrypted",
                                receiver.received(), printed.get()));
            }
        } finally {
            deleteTree(work);
        }
        return 0;
    }

    static final String GATEWAY = "gw-01";

    /** The gateway config the demo runs: what a user would write for this simulator. */
    String config(ModbusTcpSimulator sim, DemoReceiver receiver, Path work, int adminPort) {
        StringBuilder b = new StringBuilder();
        b.append("# written by weir demo\n[gateway]\n")
                .append("name = \"")
                .append(GATEWAY)
                .append("\"\n")
                .append("data_dir = ")
                .append(toml(work.resolve("data").toString()))
                .append("\n\n");
        if (receiver != null) {
            b.append("[uplink]\nreceiver = \"127.0.0.1:")
                    .append(receiver.port())
                    .append("\"\npki = ")
                    .append(toml(receiver.pkiDir().toString()))
                    .append("\n\n");
        }
        b.append("[admin]\nlisten = \"127.0.0.1:").append(adminPort).append("\"\n\n");
        b.append("[[devices]]\nname = \"")
                .append(DEVICE)
                .append("\"\n")
                .append("driver = ")
                .append(toml(driverForConfig()))
                .append("\n")
                .append("link = \"tcp://127.0.0.1:")
                .append(sim.port())
                .append("\"\n")
                .append("interval = \"")
                .append(intervalMillis)
                .append("ms\"\n")
                .append("unit = 1\n");
        for (SimPoint p : sim.registerMap().points()) {
            b.append("\n  [[devices.points]]\n")
                    .append("  name = \"")
                    .append(p.pointName())
                    .append("\"\n")
                    .append("  area = \"")
                    .append(p.area().key())
                    .append("\"\n")
                    .append("  address = ")
                    .append(p.address())
                    .append('\n')
                    .append("  type = \"")
                    .append(p.kind().key())
                    .append("\"\n");
            if (p.kind().registers() > 1) {
                b.append("  order = \"").append(p.order().name()).append("\"\n");
            }
        }
        return b.toString();
    }

    /** The driver as the config names it: a bundled name, or a file's absolute path. */
    private String driverForConfig() {
        return DriverSource.isFile(driver) ? Path.of(driver).toAbsolutePath().toString() : driver;
    }

    /** A TOML basic string. */
    static String toml(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7F) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static String progress(Gateway g, DemoReceiver receiver) {
        Point p = receiver.last();
        return String.format(
                "uplink: %d points sealed (SM4-GCM, SM2-wrapped key, TLS 1.3 GM), %d received"
                        + " decrypted by the receiver%s",
                g.uplink().status().committedPoints(),
                receiver.received(),
                p == null ? "" : ", last: " + Terminal.escape(p.point()) + "=" + shown(p));
    }

    private static void println(PrintWriter w, String line) {
        synchronized (w) {
            w.println(line);
            w.flush();
        }
    }

    /** Removes the demo's folder: its keys, outbox, receiver database and config. */
    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Prints a batch: a JSON line or a table row per point. */
    private void print(List<Point> batch, PrintWriter out, JsonLines lines) {
        for (Point p : batch) {
            if (jsonOption.json()) {
                lines.write(GatewayStatus.point(p));
            } else {
                synchronized (out) {
                    out.printf(
                            "%-12s  %-10s  %-20s  %-24s  %s%s%n",
                            TIME.format(Instant.ofEpochMilli(p.tsMillis())),
                            Terminal.escape(p.device()),
                            Terminal.escape(p.point()),
                            Terminal.escape(shown(p)),
                            p.qualityClass(),
                            p.error() == null ? "" : "  " + Terminal.escape(p.error()));
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

    private static int freePort(InetAddress address) throws IOException {
        // The simulator binds after this socket closes; on loopback nobody else races for it.
        try (ServerSocket s = new ServerSocket(0, 1, address)) {
            return s.getLocalPort();
        }
    }
}
