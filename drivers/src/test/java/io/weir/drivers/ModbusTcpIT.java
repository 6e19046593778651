package io.weir.drivers;

import static org.assertj.core.api.Assertions.assertThat;

import com.ghgande.j2mod.modbus.procimg.SimpleDigitalOut;
import com.ghgande.j2mod.modbus.procimg.SimpleInputRegister;
import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import io.weir.abi.DeviceConfig;
import io.weir.abi.Quality;
import io.weir.host.Kernel;
import io.weir.host.driver.DriverLimits;
import io.weir.host.driver.DriverModule;
import io.weir.host.io.LinkAddress;
import io.weir.host.points.Point;
import io.weir.host.points.Value;
import io.weir.host.poll.DeviceSpec;
import io.weir.host.poll.SessionStatus;
import io.weir.host.tcp.TcpLink;
import io.weir.host.tcp.TcpTransport;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Polls a real j2mod Modbus TCP slave on loopback through the bundled modbus.wasm, a Session and
 * the Netty TCP link; then takes the slave away and brings it back.
 */
class ModbusTcpIT {

    private static final int UNIT = 1;

    /** The latest point of each name. */
    private final Map<String, Point> latest = new ConcurrentHashMap<>();

    private static int[] words(ByteBuffer b) {
        b.flip();
        int[] w = new int[b.remaining() / 2];
        for (int i = 0; i < w.length; i++) {
            w[i] = b.getShort() & 0xFFFF;
        }
        return w;
    }

    /** Register values with known values of several types and byte orders. */
    private static SimpleProcessImage image() {
        SimpleProcessImage img = new SimpleProcessImage(UNIT);
        int[] holding = new int[32];
        holding[0] = 51234; // u16
        holding[1] = (short) -1234 & 0xFFFF; // i16
        int[] f32 = words(ByteBuffer.allocate(4).putFloat(123.456f));
        holding[2] = f32[0]; // f32 ABCD
        holding[3] = f32[1];
        holding[4] = f32[1]; // f32 CDAB: low word first
        holding[5] = f32[0];
        int[] u32 = words(ByteBuffer.allocate(4).putInt((int) 4_000_000_000L));
        holding[6] = u32[0];
        holding[7] = u32[1];
        // i32 DCBA: the big-endian bytes reversed on the wire.
        ByteBuffer i32 = ByteBuffer.allocate(4).putInt(-2_000_000_000);
        byte[] be = i32.array();
        holding[8] = (be[3] & 0xFF) << 8 | (be[2] & 0xFF);
        holding[9] = (be[1] & 0xFF) << 8 | (be[0] & 0xFF);
        int[] f64 = words(ByteBuffer.allocate(8).putDouble(-9876.54321));
        System.arraycopy(f64, 0, holding, 10, 4); // f64 ABCD
        holding[14] = 250; // u16 with scale=0.1
        for (int v : holding) {
            img.addRegister(new SimpleRegister(v));
        }
        for (int i = 0; i < 8; i++) {
            img.addDigitalOut(new SimpleDigitalOut(i == 5));
        }
        for (int i = 0; i < 4; i++) {
            img.addInputRegister(new SimpleInputRegister(i == 3 ? 777 : 0));
        }
        return img;
    }

    private static ModbusSlave startSlave(int port) throws Exception {
        ModbusSlave slave =
                ModbusSlaveFactory.createTCPSlave(InetAddress.getLoopbackAddress(), port, 4, false);
        slave.addProcessImage(UNIT, image());
        slave.open();
        return slave;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static byte[] bundledModbus() throws Exception {
        try (InputStream in = ModbusTcpIT.class.getResourceAsStream("/drivers/modbus.wasm")) {
            assertThat(in).as("drivers/modbus.wasm on the classpath").isNotNull();
            return in.readAllBytes();
        }
    }

    private void awaitAll(Map<String, Predicate<Point>> expected, String phase) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (var e : expected.entrySet()) {
                Point p = latest.get(e.getKey());
                if (p == null || !e.getValue().test(p)) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(phase + ": points never matched; latest = " + latest);
    }

    /** A good point of this value, whatever its integer type (u16 travels as U64, i16 as I64). */
    private static Predicate<Point> good(Object value) {
        return p -> p.quality() == 0 && value.equals(p.value().json());
    }

    private static Predicate<Point> goodNear(double value) {
        return p ->
                p.quality() == 0
                        && p.value() instanceof Value.F64 d
                        && Math.abs(d.value() - value) <= Math.abs(value) * 1e-9;
    }

    /** Fast reconnects, so that the outage test sees the link come back within seconds. */
    private static TcpTransport tcp() {
        return new TcpTransport(
                1,
                new TcpLink.Options(
                        Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofMillis(500)));
    }

    @Test
    void pollsTypedValuesAndSurvivesAnOutage() throws Exception {
        int port = freePort();
        ModbusSlave slave = startSlave(port);
        Map<String, Map<String, String>> points = new LinkedHashMap<>();
        points.put("u16", Map.of("area", "holding", "address", "0", "type", "u16"));
        points.put("i16", Map.of("area", "holding", "address", "1", "type", "i16"));
        points.put(
                "f32_abcd",
                Map.of("area", "holding", "address", "2", "type", "f32", "order", "ABCD"));
        points.put(
                "f32_cdab",
                Map.of("area", "holding", "address", "4", "type", "f32", "order", "CDAB"));
        points.put("u32", Map.of("area", "holding", "address", "6", "type", "u32"));
        points.put(
                "i32_dcba",
                Map.of("area", "holding", "address", "8", "type", "i32", "order", "DCBA"));
        points.put("f64", Map.of("area", "holding", "address", "10", "type", "f64"));
        points.put(
                "scaled",
                Map.of("area", "holding", "address", "14", "type", "u16", "scale", "0.1"));
        points.put("coil5", Map.of("area", "coil", "address", "5"));
        points.put("input3", Map.of("area", "input", "address", "3"));
        DeviceConfig config =
                new DeviceConfig(
                        Map.of("unit", String.valueOf(UNIT)), List.copyOf(points.values()));
        Kernel.Options options = new Kernel.Options(2, DriverLimits.DEFAULT, 1);
        try (Kernel kernel =
                new Kernel(batch -> batch.forEach(p -> latest.put(p.point(), p)), options, tcp())) {
            long t0 = System.nanoTime();
            DriverModule modbus = kernel.loadDriver("modbus.wasm", bundledModbus());
            System.out.printf(
                    "modbus.wasm: load+compile+probe %d ms (compile %d ms)%n",
                    (System.nanoTime() - t0) / 1_000_000, modbus.compileNanos() / 1_000_000);
            assertThat(modbus.manifest().name()).isEqualTo("modbus");
            kernel.addDevice(
                    new DeviceSpec(
                            "plc1",
                            LinkAddress.parse("127.0.0.1:" + port),
                            "modbus",
                            config,
                            List.copyOf(points.keySet()),
                            Duration.ofMillis(200)));
            kernel.start();

            Map<String, Predicate<Point>> values = new LinkedHashMap<>();
            values.put("u16", good(51234L));
            values.put("i16", good(-1234L));
            values.put("f32_abcd", goodNear(123.456f));
            values.put("f32_cdab", goodNear(123.456f));
            values.put("u32", good(4_000_000_000L));
            values.put("i32_dcba", good(-2_000_000_000L));
            values.put("f64", goodNear(-9876.54321));
            values.put("scaled", goodNear(25.0));
            values.put("coil5", good(Boolean.TRUE));
            values.put("input3", good(777L));
            awaitAll(values, "first poll");
            SessionStatus before = kernel.status().get(0);
            assertThat(before.traps()).isZero();
            // On a loaded machine a response can come after its timeout; the driver then refuses
            // it as the answer to the next request (transaction id). Nothing else may be refused.
            assertThat(before.protocolErrors()).isLessThanOrEqualTo(before.timeouts());

            // Outage: the slave goes away.
            ModbusSlaveFactory.close(slave);
            Map<String, Predicate<Point>> down = new LinkedHashMap<>();
            for (String name : points.keySet()) {
                down.put(name, p -> p.quality() == Quality.BAD_COMM.code() && p.error() != null);
            }
            awaitAll(down, "outage");
            System.out.println("during the outage: " + latest.get("u16").error());

            // Recovery: the slave comes back on the same port; the link reconnects by itself.
            ModbusSlave again = startSlave(port);
            try {
                awaitAll(values, "after restart");
                SessionStatus after = kernel.status().get(0);
                assertThat(after.linkUp()).isTrue();
                assertThat(after.traps()).isZero();
                System.out.println("status: " + after);
            } finally {
                ModbusSlaveFactory.close(again);
            }
        }
    }

    @Test
    void devicesShareOneInstanceUnderTheirOwnHandles() throws Exception {
        int port = freePort();
        ModbusSlave slave = startSlave(port);
        Kernel.Options options = new Kernel.Options(2, DriverLimits.DEFAULT, 3);
        try (Kernel kernel =
                new Kernel(
                        batch -> batch.forEach(p -> latest.put(p.device() + "." + p.point(), p)),
                        options,
                        tcp())) {
            kernel.loadDriver("modbus");
            String[][] devices = {
                {"a", "device unit=1\npoint 0 area=holding address=0 type=u16\n"},
                {"b", "device unit=1\npoint 0 area=input address=3\n"},
                {"c", "device unit=1\npoint 0 area=coil address=5\n"},
            };
            for (String[] d : devices) {
                kernel.addDevice(
                        DeviceSpec.of(
                                d[0],
                                "127.0.0.1:" + port,
                                "modbus",
                                d[1],
                                List.of("v"),
                                Duration.ofMillis(200)));
            }
            kernel.start();
            Map<String, Predicate<Point>> values = new LinkedHashMap<>();
            values.put("a.v", good(51234L));
            values.put("b.v", good(777L));
            values.put("c.v", good(Boolean.TRUE));
            awaitAll(values, "shared instance");
            List<SessionStatus> status = kernel.status();
            for (int i = 0; i < 3; i++) {
                assertThat(status.get(i).deviceHandle()).isEqualTo(i);
                assertThat(status.get(i).sharedInstance()).as(status.get(i).device()).isTrue();
            }
        } finally {
            ModbusSlaveFactory.close(slave);
        }
    }
}
