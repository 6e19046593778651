package io.weir.tools.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.abi.Quality;
import io.weir.host.Kernel;
import io.weir.host.driver.DriverLimits;
import io.weir.host.driver.DriverModule;
import io.weir.host.points.DeviceStatus;
import io.weir.host.points.Point;
import io.weir.host.points.PointSink;
import io.weir.host.points.Value;
import io.weir.host.poll.DeviceSpec;
import io.weir.host.poll.SessionStatus;
import io.weir.host.poll.WriteResult;
import io.weir.host.tcp.TcpLink;
import io.weir.host.tcp.TcpTransport;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bundled inovance.wasm through the real host ({@link Kernel}, Netty {@link TcpTransport})
 * against three {@link ModbusTcpSimulator}s that serve an H3U, an H5U and an AM600 from the
 * register files in drivers/inovance/sim/, each value at the address its element has in the series'
 * published table. Soft elements in, typed values out; writes go through {@link Kernel#write} and
 * are read back; an input is refused, an element past the simulator's image answers exception 2.
 */
class InovanceSimulatorIT {
    private static final Path SIM =
            Path.of(System.getProperty("weir.root"), "drivers", "inovance", "sim");

    private final Map<String, Point> latest = new ConcurrentHashMap<>();
    private final List<ModbusTcpSimulator> simulators = new ArrayList<>();

    /** The host's device status at link events (BAD_COMM "link down: …" when a link drops). */
    private final List<DeviceStatus> statuses = new java.util.concurrent.CopyOnWriteArrayList<>();

    private long linkDowns(String device) {
        return statuses.stream()
                .filter(
                        s ->
                                s.device().equals(device)
                                        && s.quality() == Quality.BAD_COMM.code()
                                        && !s.fromDriver())
                .count();
    }

    @AfterEach
    void stop() {
        simulators.forEach(ModbusTcpSimulator::close);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private int simulate(String registerFile) throws Exception {
        return simulate(registerFile, freePort());
    }

    private int simulate(String registerFile, int port) throws Exception {
        simulators.add(
                new ModbusTcpSimulator(
                        RegisterMap.read(SIM.resolve(registerFile)),
                        InetAddress.getLoopbackAddress(),
                        port,
                        1,
                        50));
        return port;
    }

    /** A device of the inovance driver: point names and their config lines, in point order. */
    private static DeviceSpec device(
            String name, int port, String series, Map<String, String> points) {
        StringBuilder config = new StringBuilder("device series=" + series + "\n");
        int i = 0;
        for (String line : points.values()) {
            config.append("point ").append(i++).append(' ').append(line).append('\n');
        }
        return DeviceSpec.of(
                name,
                "127.0.0.1:" + port,
                "inovance",
                config.toString(),
                List.copyOf(points.keySet()),
                Duration.ofMillis(100));
    }

    private void awaitAll(Map<String, Predicate<Point>> expected, String phase) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (expected.entrySet().stream()
                    .allMatch(
                            e -> {
                                Point p = latest.get(e.getKey());
                                return p != null && e.getValue().test(p);
                            })) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(phase + ": points never matched; latest = " + latest);
    }

    private static Predicate<Point> good(Object value) {
        return p -> p.quality() == 0 && value.equals(p.value().json());
    }

    private static Predicate<Point> goodNear(double value) {
        return p ->
                p.quality() == 0
                        && p.value() instanceof Value.F64 d
                        && Math.abs(d.value() - value) <= Math.abs(value) * 1e-6;
    }

    private static WriteResult write(Kernel kernel, String device, String point, Value value)
            throws Exception {
        return kernel.write(device, point, value).get(10, TimeUnit.SECONDS);
    }

    @Test
    void readsAndWritesSoftElementsOfThreeSeries() throws Exception {
        Map<String, String> h3u = new LinkedHashMap<>();
        h3u.put("m8000", "element=M8000");
        h3u.put("sm10", "element=SM10");
        h3u.put("s0", "element=S0");
        h3u.put("t5", "element=T5 type=bool");
        h3u.put("c3", "element=C3 type=bool");
        h3u.put("x17", "element=X17");
        h3u.put("y0", "element=Y0");
        h3u.put("d100", "element=D100");
        h3u.put("d100.1", "element=D100.1");
        h3u.put("d200", "element=D200 type=f32");
        h3u.put("d300", "element=D300 type=f32");
        h3u.put("sd10", "element=SD10");
        h3u.put("r100", "element=R100 scale=0.01");
        h3u.put("t5.value", "element=T5");
        h3u.put("c3.value", "element=C3 type=i16");
        h3u.put("c201", "element=C201");
        h3u.put("y377", "element=Y377");
        Map<String, String> h5u = new LinkedHashMap<>();
        h5u.put("m8", "element=M8");
        h5u.put("b100", "element=B100");
        h5u.put("x1777", "element=X1777");
        h5u.put("y10", "element=Y10");
        h5u.put("d7998", "element=D7998 type=i32");
        h5u.put("r0", "element=R0");
        Map<String, String> am = new LinkedHashMap<>();
        am.put("qx1.2", "element=QX1.2");
        am.put("qx1.3", "element=QX1.3");
        am.put("ix2.7", "element=IX2.7");
        am.put("mw10", "element=MW10");
        am.put("mx21.1", "element=MX21.1");
        am.put("mx20.1", "element=MX20.1");
        am.put("md10", "element=MD10 type=f32");
        am.put("mw30", "element=MW30");

        TcpTransport tcp =
                new TcpTransport(
                        1,
                        new TcpLink.Options(
                                Duration.ofSeconds(1),
                                Duration.ofMillis(100),
                                Duration.ofMillis(500)));
        Kernel.Options options = new Kernel.Options(2, DriverLimits.DEFAULT, 1);
        PointSink sink =
                new PointSink() {
                    @Override
                    public void accept(List<Point> batch) {
                        batch.forEach(p -> latest.put(p.device() + "." + p.point(), p));
                    }

                    @Override
                    public void deviceStatus(DeviceStatus status) {
                        statuses.add(status);
                    }
                };
        try (Kernel kernel = new Kernel(sink, options, tcp)) {
            DriverModule driver = kernel.loadDriver("inovance");
            assertThat(driver.manifest().name()).isEqualTo("inovance");
            int h3uPort = simulate("h3u.toml");
            kernel.addDevice(device("h3u", h3uPort, "h3u", h3u));
            kernel.addDevice(device("h5u", simulate("h5u.toml"), "h5u", h5u));
            kernel.addDevice(device("am", simulate("am.toml"), "am", am));
            kernel.start();

            Map<String, Predicate<Point>> values = new LinkedHashMap<>();
            values.put("h3u.m8000", good(true));
            values.put("h3u.sm10", good(true));
            values.put("h3u.s0", good(false));
            values.put("h3u.t5", good(true));
            values.put("h3u.c3", good(true));
            values.put("h3u.x17", good(true));
            values.put("h3u.y0", good(false));
            values.put("h3u.d100", good(1234L));
            values.put("h3u.d100.1", good(true)); // 1234 = 0x04D2: bit 1 set
            values.put("h3u.d200", goodNear(21.5));
            values.put("h3u.sd10", good(7L));
            values.put("h3u.r100", goodNear(655.35));
            values.put("h3u.t5.value", good(50L));
            values.put("h3u.c3.value", good(-3L));
            values.put("h3u.c201", good(-100000L));
            // Y377 (0xFCFF) lies past the simulator's last coil (Y0): exception 2.
            values.put(
                    "h3u.y377",
                    p ->
                            p.quality() == Quality.BAD_DEVICE.code()
                                    && Long.valueOf(2).equals(p.value().json())
                                    && p.error() != null
                                    && p.error().contains("exception 2 (illegal data address)"));
            values.put("h5u.m8", good(true));
            values.put("h5u.b100", good(true));
            values.put("h5u.x1777", good(true));
            values.put("h5u.y10", good(false));
            values.put("h5u.d7998", good(-2L));
            values.put("h5u.r0", good(42L));
            values.put("am.qx1.2", good(true));
            values.put("am.qx1.3", good(false));
            values.put("am.ix2.7", good(true));
            values.put("am.mw10", good(513L));
            values.put("am.mx21.1", good(true));
            values.put("am.mx20.1", good(false));
            values.put("am.md10", goodNear(-1.5));
            values.put("am.mw30", good(0L));
            awaitAll(values, "first reads");

            // Writes: FC5, FC16 (f32 and a 32-bit counter), FC6; each read back by the next poll.
            assertThat(write(kernel, "h3u", "y0", Value.of(true)).ok()).isTrue();
            assertThat(write(kernel, "h3u", "d300", Value.f64(123.5)).ok()).isTrue();
            assertThat(write(kernel, "h3u", "c201", Value.i64(70000)).ok()).isTrue();
            assertThat(write(kernel, "h5u", "y10", Value.of(true)).ok()).isTrue();
            assertThat(write(kernel, "am", "qx1.3", Value.of(true)).ok()).isTrue();
            assertThat(write(kernel, "am", "md10", Value.f64(6.25)).ok()).isTrue();
            assertThat(write(kernel, "am", "mw30", Value.u64(4321)).ok()).isTrue();
            Map<String, Predicate<Point>> written = new LinkedHashMap<>();
            written.put("h3u.y0", good(true));
            written.put("h3u.d300", goodNear(123.5));
            written.put("h3u.c201", good(70000L));
            written.put("h5u.y10", good(true));
            written.put("am.qx1.3", good(true));
            written.put("am.md10", goodNear(6.25));
            written.put("am.mw30", good(4321L));
            awaitAll(written, "after writes");

            // Refused by the driver, never sent: an input, a register bit, a value out of range.
            WriteResult input = write(kernel, "h3u", "x17", Value.of(false));
            assertThat(input.outcome()).isEqualTo(WriteResult.Outcome.REFUSED);
            assertThat(input.detail()).contains("X17", "read-only");
            assertThat(write(kernel, "am", "ix2.7", Value.of(false)).outcome())
                    .isEqualTo(WriteResult.Outcome.REFUSED);
            assertThat(write(kernel, "h3u", "d100.1", Value.of(false)).outcome())
                    .isEqualTo(WriteResult.Outcome.REFUSED);
            WriteResult range = write(kernel, "h3u", "d100", Value.u64(70000));
            assertThat(range.outcome()).isEqualTo(WriteResult.Outcome.REFUSED);
            assertThat(range.detail()).contains("outside the range of u16");
            // The device answers exception 2 for an element past its image.
            WriteResult past = write(kernel, "h3u", "y377", Value.of(true));
            assertThat(past.outcome()).isEqualTo(WriteResult.Outcome.DEVICE_EXCEPTION);
            assertThat(past.exceptionCode()).isEqualTo(2);

            // The H3U goes away and comes back on the same port (a PLC restart: its image is the
            // register file again): the host reports the link down, reconnects, and the same
            // requests read again.
            ModbusTcpSimulator first = simulators.get(0);
            first.close();
            simulators.remove(first);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (linkDowns("h3u") == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(linkDowns("h3u")).as("h3u link-down device status").isPositive();
            simulate("h3u.toml", h3uPort);
            latest.keySet().removeIf(k -> k.startsWith("h3u."));
            Map<String, Predicate<Point>> again = new LinkedHashMap<>();
            values.forEach(
                    (k, v) -> {
                        if (k.startsWith("h3u.")) {
                            again.put(k, v);
                        }
                    });
            awaitAll(again, "after the H3U came back");

            for (SessionStatus s : kernel.status()) {
                assertThat(s.traps()).as(s.device()).isZero();
                assertThat(s.protocolErrors()).as(s.device()).isZero();
                assertThat(s.linkUp()).as(s.device()).isTrue();
            }
        }
    }
}
