package io.weir.tools.gateway;

import io.weir.host.Kernel;
import io.weir.host.can.CanTransport;
import io.weir.host.driver.DriverModule;
import io.weir.host.driver.DriverRefused;
import io.weir.host.driver.DriverSource;
import io.weir.host.lifecycle.PackageRefused;
import io.weir.host.points.PointSink;
import io.weir.host.poll.DeviceSpec;
import io.weir.host.poll.SessionStatus;
import io.weir.host.serial.SerialTransport;
import io.weir.host.tcp.TcpLink;
import io.weir.host.tcp.TcpTransport;
import io.weir.host.uplink.Uplink;
import io.weir.host.uplink.UplinkConfig;
import io.weir.host.uplink.UplinkPki;
import io.weir.tools.cli.HostPort;
import io.weir.tools.driver.DriverLifecycle;
import io.weir.tools.driver.DriverRegistry;
import io.weir.tools.driver.DropFolder;
import io.weir.tools.driver.LiveDrivers;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The gateway: the kernel with its devices, the uplink (if configured) and the latest points —
 * started from one {@link Settings}, stopped gracefully. {@code weir run} and {@code weir demo} run
 * it with the admin API beside it ({@code io.weir.tools.run.GatewayService}).
 */
public final class Gateway implements AutoCloseable, LiveDrivers {
    private static final System.Logger LOG = System.getLogger("weir.gateway");

    /** How long a graceful stop waits for the requests on the wire. */
    public static final Duration FINISH = Duration.ofSeconds(3);

    /**
     * How long a graceful stop waits for the receiver to acknowledge what is committed: what is not
     * acknowledged by then stays in the outbox and goes at the next start.
     */
    public static final Duration DRAIN = Duration.ofSeconds(2);

    /**
     * What to run.
     *
     * @param name the gateway id; with an uplink, the CN of its certificate in the PKI folder
     * @param dataDir outbox, admin token; created if missing
     * @param uplink where points go, if anywhere
     * @param devices the devices, each with its driver: a name (the registry's active version, else
     *     the bundled driver), {@code name@version} (pinned: that version from the registry, else
     *     the bundled driver if it is that version) or a .wasm path
     * @param drivers the driver lifecycle's policy (unsigned packages, probation, rollback
     *     thresholds)
     * @param activateDropped whether every package installed from the drop folder is activated, not
     *     only those whose manifest says {@code "activate": true}
     * @param busyPoll how long an idle TCP I/O thread looks for the next answer before it sleeps,
     *     while that pays; null for {@link TcpTransport#configuredBusyPoll()} (the JVM property,
     *     else 50 µs)
     */
    public record Settings(
            String name,
            Path dataDir,
            Optional<UplinkTarget> uplink,
            List<DeviceSpec> devices,
            DriverLifecycle.Options drivers,
            boolean activateDropped,
            Duration busyPoll) {
        /** The TCP I/O threads' busy poll as {@link TcpTransport#configuredBusyPoll()} says. */
        public Settings(
                String name,
                Path dataDir,
                Optional<UplinkTarget> uplink,
                List<DeviceSpec> devices,
                DriverLifecycle.Options drivers,
                boolean activateDropped) {
            this(name, dataDir, uplink, devices, drivers, activateDropped, null);
        }

        /** Default driver policy: signed packages only, 10-minute probation. */
        public Settings(
                String name,
                Path dataDir,
                Optional<UplinkTarget> uplink,
                List<DeviceSpec> devices) {
            this(name, dataDir, uplink, devices, DriverLifecycle.Options.DEFAULT, false);
        }

        public Settings {
            if (drivers == null) {
                drivers = DriverLifecycle.Options.DEFAULT;
            }
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a gateway needs a name");
            }
            if (dataDir == null) {
                throw new IllegalArgumentException("gateway " + name + " needs a data_dir");
            }
            uplink = uplink == null ? Optional.empty() : uplink;
            devices = List.copyOf(devices);
        }
    }

    /**
     * @param receiver the receiver's address
     * @param pki the PKI folder made by {@code weir pki init} / {@code weir pki issue}
     */
    public record UplinkTarget(HostPort receiver, Path pki) {}

    private final Settings settings;
    private final Instant started = Instant.now();
    private final PointTable points = new PointTable();
    private final Map<String, DriverModule> drivers =
            new java.util.concurrent.ConcurrentHashMap<>();
    private Kernel kernel;
    private TcpTransport tcp;
    private Uplink uplink;
    private DriverRegistry registry;
    private DriverLifecycle lifecycle;
    private DropFolder drop;
    private volatile boolean closed;

    /** The uplink's last status, taken as it closed. */
    private volatile Uplink.Status finalUplink;

    private Gateway(Settings settings) {
        this.settings = settings;
    }

    /**
     * Starts everything: a device that cannot be reached now is retried and reported, never fatal;
     * a driver that is refused, a data folder that cannot be made or a PKI folder without this
     * gateway's certificate stop the start with one line saying so.
     *
     * @param extra another sink for every point (the demo's printer), or {@code null}
     */
    public static Gateway start(Settings settings, PointSink extra) throws IOException {
        Gateway g = new Gateway(settings);
        try {
            g.open(extra);
            return g;
        } catch (IOException | RuntimeException e) {
            g.close();
            throw e;
        }
    }

    private void open(PointSink extra) throws IOException {
        Path data = settings.dataDir();
        try {
            Files.createDirectories(data);
        } catch (IOException e) {
            throw new IOException("cannot create data_dir " + data + ": " + e.getMessage(), e);
        }
        if (!Files.isDirectory(data) || !Files.isWritable(data)) {
            throw new IOException("data_dir " + data + " is not a writable folder");
        }
        if (settings.uplink().isPresent()) {
            uplink = startUplink(settings.uplink().get());
        }
        PointSink up = uplink == null ? null : uplink.sink();
        PointSink sink =
                batch -> {
                    points.accept(batch);
                    if (up != null) {
                        up.accept(batch);
                    }
                    if (extra != null) {
                        extra.accept(batch);
                    }
                };
        // Every transport ConfigReader.TRANSPORTS accepts: TCP (tcp://, rtu+tcp://), serial lines
        // (serial:) and CAN buses (slcan:, socketcand://, candump:). Serial and CAN open nothing
        // until a device on them starts.
        Duration spin =
                settings.busyPoll() == null
                        ? TcpTransport.configuredBusyPoll()
                        : settings.busyPoll();
        kernel =
                new Kernel(
                        sink,
                        tcp = new TcpTransport(1, TcpLink.Options.DEFAULT, spin),
                        new SerialTransport(),
                        new CanTransport());
        registry = DriverRegistry.open(data);
        lifecycle = new DriverLifecycle(registry, settings.drivers(), this);
        if (settings.drivers().allowUnsigned()) {
            LOG.log(
                    Level.WARNING,
                    "!!! --allow-unsigned-drivers: unsigned and untrusted driver packages are"
                            + " accepted; never run a production gateway like this !!!");
        }
        Map<String, String[]> pins = new LinkedHashMap<>();
        for (DeviceSpec d : settings.devices()) {
            int at = d.driver().indexOf('@');
            if (at > 0 && !DriverSource.isFile(d.driver())) {
                pins.put(
                        d.name(),
                        new String[] {d.driver().substring(0, at), d.driver().substring(at + 1)});
            }
        }
        try {
            registry.setPins(pins);
        } catch (java.sql.SQLException e) {
            throw new IOException("driver registry: " + e.getMessage(), e);
        }
        Set<String> names = new LinkedHashSet<>();
        for (DeviceSpec d : settings.devices()) {
            names.add(d.driver());
        }
        for (String driver : names) {
            drivers.put(driver, resolve(driver));
        }
        for (DeviceSpec d : settings.devices()) {
            DriverModule m = drivers.get(d.driver());
            // The kernel knows a driver by its name, name@version (pinned) or, for a .wasm path,
            // its manifest name.
            String key = DriverSource.isFile(d.driver()) ? m.manifest().name() : d.driver();
            kernel.addDriver(key, m);
            DeviceSpec spec =
                    key.equals(d.driver())
                            ? d
                            : new DeviceSpec(
                                    d.name(),
                                    d.link(),
                                    key,
                                    d.config(),
                                    d.pointNames(),
                                    d.interval());
            kernel.addDevice(spec);
        }
        kernel.start();
        drop =
                DropFolder.start(
                        data.resolve(DropFolder.FOLDER), lifecycle, settings.activateDropped());
        LOG.log(
                Level.INFO,
                "gateway {0} running: {1} devices, data in {2}{3}",
                settings.name(),
                settings.devices().size(),
                data,
                uplink == null ? "" : ", uplink to " + settings.uplink().get().receiver());
    }

    /**
     * The module a device's driver value names: a .wasm path; {@code name} — the registry's active
     * version, else the bundled driver; {@code name@version} — that installed version, else the
     * bundled driver if it is that version.
     */
    private DriverModule resolve(String driver) throws IOException {
        try {
            if (DriverSource.isFile(driver)) {
                return kernel.compileDriver(
                        DriverSource.sourceName(driver), DriverSource.bytes(driver));
            }
            int at = driver.indexOf('@');
            String name = at < 0 ? driver : driver.substring(0, at);
            String version = at < 0 ? null : driver.substring(at + 1);
            if (version == null) {
                java.util.Optional<String> active = registry.activation(name).active();
                if (active.isPresent()) {
                    return lifecycle.load(name, active.get());
                }
                return lifecycle.bundled(name);
            }
            if (registry.installed(name, version).isPresent()) {
                return lifecycle.load(name, version);
            }
            DriverModule bundled = lifecycle.bundled(name);
            if (!bundled.manifest().version().equals(version)) {
                throw new IOException(
                        "driver "
                                + driver
                                + ": version "
                                + version
                                + " is not installed (`weir driver list`), and the bundled driver"
                                + " is "
                                + bundled.label());
            }
            return bundled;
        } catch (DriverRefused e) {
            throw new IOException("driver " + driver + " refused: " + e.getMessage(), e);
        } catch (PackageRefused e) {
            throw new IOException("driver " + driver + ": " + e.getMessage(), e);
        } catch (java.sql.SQLException e) {
            throw new IOException("driver registry: " + e.getMessage(), e);
        }
    }

    // ---- LiveDrivers: what the driver lifecycle needs of the running kernel -------------------

    @Override
    public DriverModule load(String sourceName, byte[] wasm) {
        return kernel.compileDriver(sourceName, wasm);
    }

    @Override
    public DriverModule running(String name) {
        for (io.weir.host.poll.Session s : kernel.sessions()) {
            if (s.spec().driver().equals(name)) {
                return kernel.driver(name);
            }
        }
        return null;
    }

    @Override
    public List<String> swap(String name, DriverModule next) {
        List<String> switched = kernel.swapDriver(name, next);
        drivers.put(name, next);
        return switched;
    }

    @Override
    public Map<String, DriverModule.Quarantine> quarantines() {
        return kernel.quarantines();
    }

    @Override
    public List<String> clearQuarantine(String name) {
        return kernel.clearQuarantine(name);
    }

    @Override
    public long errors(DriverModule module) {
        long n = 0;
        for (SessionStatus s : kernel.status()) {
            if (s.driver().equals(module.label())) {
                n += s.protocolErrors();
            }
        }
        return n;
    }

    /** The driver lifecycle: install, activate, roll back (the admin API and the drop folder). */
    public DriverLifecycle lifecycle() {
        return lifecycle;
    }

    private Uplink startUplink(UplinkTarget target) throws IOException {
        UplinkPki pki = new UplinkPki(target.pki());
        Path cert = pki.gatewayCert(settings.name());
        if (!Files.isReadable(cert) || !Files.isReadable(pki.gatewayKey(settings.name()))) {
            throw new IOException(
                    "the PKI folder "
                            + target.pki()
                            + " has no certificate and key for gateway \""
                            + settings.name()
                            + "\" ("
                            + cert
                            + "); issue one with `weir pki issue --pki "
                            + target.pki()
                            + " "
                            + settings.name()
                            + "`");
        }
        UplinkConfig cfg =
                UplinkConfig.forGateway(
                        pki,
                        settings.name(),
                        target.receiver().host(),
                        target.receiver().port(),
                        "jdbc:h2:file:" + settings.dataDir().resolve("outbox").toAbsolutePath());
        try {
            return Uplink.start(cfg);
        } catch (IOException | RuntimeException e) {
            throw new IOException("uplink to " + target.receiver() + ": " + e.getMessage(), e);
        } catch (Exception e) {
            throw new IOException("uplink to " + target.receiver() + ": " + e, e);
        }
    }

    public Settings settings() {
        return settings;
    }

    public Kernel kernel() {
        return kernel;
    }

    /** The uplink, or {@code null} when points are only kept locally. */
    public Uplink uplink() {
        return uplink;
    }

    public PointTable points() {
        return points;
    }

    /** How long the TCP I/O thread looks for the next answer before it sleeps; zero: at once. */
    public Duration tcpBusyPoll() {
        return tcp.busyPoll();
    }

    public Instant started() {
        return started;
    }

    /** The loaded driver of each configured driver name or path. */
    public synchronized Map<String, DriverModule> drivers() {
        return Map.copyOf(drivers);
    }

    /** A one-line account of the run, for the end of {@code weir run} and {@code weir demo}. */
    public String summary() {
        long cycles = 0;
        long missed = 0;
        long unserved = 0;
        long timeouts = 0;
        long pointCount = 0;
        long traps = 0;
        List<SessionStatus> status = kernel == null ? List.of() : kernel.status();
        for (SessionStatus s : status) {
            cycles += s.cycles();
            missed += s.missed();
            unserved += s.unserved();
            timeouts += s.timeouts();
            pointCount += s.points();
            traps += s.traps();
        }
        Duration up = Duration.between(started, Instant.now());
        StringBuilder b =
                new StringBuilder()
                        .append(settings.name())
                        .append(": ran ")
                        .append(
                                String.format(
                                        "%d:%02d:%02d",
                                        up.toHours(), up.toMinutesPart(), up.toSecondsPart()))
                        .append("; ")
                        .append(status.size())
                        .append(status.size() == 1 ? " device, " : " devices, ")
                        .append(cycles)
                        .append(" cycles, ")
                        .append(missed)
                        .append(" missed, ")
                        .append(unserved > 0 ? unserved + " unserved, " : "")
                        .append(timeouts)
                        .append(" timeouts, ")
                        .append(traps)
                        .append(" traps; ")
                        .append(pointCount)
                        .append(" points");
        if (uplink != null) {
            Uplink.Status u = finalUplink != null ? finalUplink : uplink.status();
            b.append("; uplink: ")
                    .append(u.committedPoints())
                    .append(" committed, ")
                    .append(u.ackedPoints())
                    .append(" acknowledged by the receiver, ")
                    .append(u.outbox().points())
                    .append(" in the outbox");
        }
        return b.toString();
    }

    /**
     * Stops gracefully: every device finishes the request on the wire (at most {@link #FINISH}),
     * the uplink commits what it holds to the outbox, waits up to {@link #DRAIN} for the receiver's
     * acknowledgements, and closes.
     */
    @Override
    public void close() {
        close(DRAIN);
    }

    /** {@link #close()}, waiting up to {@code drain} for the receiver's acknowledgements. */
    public synchronized void close(Duration drain) {
        if (closed) {
            return;
        }
        closed = true;
        if (drop != null) {
            drop.close();
        }
        if (lifecycle != null) {
            lifecycle.close();
        }
        if (kernel != null) {
            kernel.finish(FINISH);
            kernel.close();
        }
        if (uplink != null) {
            try {
                uplink.flush();
                if (uplink.status().connected() && !uplink.awaitDrained(drain)) {
                    LOG.log(
                            Level.INFO,
                            "uplink: {0} points stay in the outbox for the next start",
                            uplink.status().outbox().points());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "uplink at stop: {0}", e.getMessage());
            }
            finalUplink = uplink.status();
            uplink.close();
        }
        if (registry != null) {
            registry.close();
        }
    }
}
