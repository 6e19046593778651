package io.weir.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.host.Kernel;
import io.weir.host.points.Point;
import io.weir.host.points.Value;
import io.weir.host.poll.DeviceSpec;
import io.weir.host.tcp.TcpTransport;
import io.weir.tools.sim.ModbusTcpSimulator;
import io.weir.tools.sim.RegisterMap;
import io.weir.tools.uplink.DemoUplink;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A u64 register at its maximum, 2^64−1, travels from a Modbus device through the WASM driver, the
 * session, the sealed uplink batch and the receiver to the receiver's JSON line, as the number it
 * is: not −1, not a float, not a refused batch.
 */
class U64EndToEndIT {
    @TempDir Path tmp;

    @Test
    void theLargestU64ArrivesIntact() throws Exception {
        // Four holding registers of 0xFFFF: a float literal beyond 2^64 saturates the u64.
        RegisterMap map =
                RegisterMap.parse(
                        "[holding.10]\nname = \"odometer\"\ntype = \"u64\"\nvalue = 1.9e19\n",
                        "test map");
        InetAddress loopback = InetAddress.getLoopbackAddress();
        Path out = tmp.resolve("received.jsonl");
        LinkedBlockingQueue<Point> received = new LinkedBlockingQueue<>();
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, loopback)) {
            port = free.getLocalPort();
        }
        try (ModbusTcpSimulator sim = new ModbusTcpSimulator(map, loopback, port, 1, 100);
                DemoUplink up = DemoUplink.start(tmp.resolve("uplink"), out);
                Kernel kernel = new Kernel(up.sink(), new TcpTransport())) {
            up.onReceived((gateway, points) -> received.addAll(points));
            kernel.loadDriver("modbus");
            kernel.addDevice(
                    DeviceSpec.of(
                            "truck-7",
                            "tcp://" + loopback.getHostAddress() + ":" + sim.port(),
                            "modbus",
                            "device unit=1\npoint 0 area=holding address=10 type=u64\n",
                            List.of("odometer"),
                            Duration.ofMillis(200)));
            kernel.start();
            Point p = received.poll(20, TimeUnit.SECONDS);
            assertThat(p).as("a point at the receiver").isNotNull();
            assertThat(p.quality()).isZero();
            assertThat(p.value()).isEqualTo(Value.u64(-1L));
        }
        assertThat(Files.readString(out))
                .contains("\"device\":\"truck-7\"", "\"value\":18446744073709551615");
    }
}
