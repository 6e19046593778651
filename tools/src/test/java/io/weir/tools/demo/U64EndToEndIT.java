package io.weir.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.host.points.Point;
import io.weir.host.points.Value;
import io.weir.host.poll.DeviceSpec;
import io.weir.host.uplink.UplinkPki;
import io.weir.receiver.PkiIssuer;
import io.weir.receiver.Receiver;
import io.weir.tools.cli.HostPort;
import io.weir.tools.gateway.Gateway;
import io.weir.tools.sim.ModbusTcpSimulator;
import io.weir.tools.sim.RegisterMap;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A u64 register at its maximum, 2^64−1, travels from a Modbus device through the WASM driver, the
 * session, the gateway's sealed uplink batch and the receiver to the receiver's JSON line, as the
 * number it is: not −1, not a float, not a refused batch.
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
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, loopback)) {
            port = free.getLocalPort();
        }
        Path out = tmp.resolve("received.jsonl");
        UplinkPki pki = PkiIssuer.init(tmp.resolve("pki"), UplinkPki.Algorithm.SM2, "truck-gw");
        LinkedBlockingQueue<Point> received = new LinkedBlockingQueue<>();
        try (ModbusTcpSimulator sim = new ModbusTcpSimulator(map, loopback, port, 1, 100);
                Receiver rx =
                        Receiver.start(
                                Receiver.Config.fromPki(
                                        pki,
                                        "127.0.0.1",
                                        0,
                                        "jdbc:h2:file:" + tmp.resolve("rx"),
                                        out))) {
            rx.onStored((gateway, points) -> received.addAll(points));
            DeviceSpec truck =
                    DeviceSpec.of(
                            "truck-7",
                            "tcp://127.0.0.1:" + port,
                            "modbus",
                            "device unit=1\npoint 0 area=holding address=10 type=u64\n",
                            List.of("odometer"),
                            Duration.ofMillis(200));
            try (Gateway g =
                    Gateway.start(
                            new Gateway.Settings(
                                    "truck-gw",
                                    tmp.resolve("data"),
                                    Optional.of(
                                            new Gateway.UplinkTarget(
                                                    new HostPort("127.0.0.1", rx.port()),
                                                    pki.dir())),
                                    List.of(truck)),
                            null)) {
                Point p = received.poll(20, TimeUnit.SECONDS);
                assertThat(p).as("a point at the receiver").isNotNull();
                assertThat(p.quality()).isZero();
                assertThat(p.value()).isEqualTo(Value.u64(-1L));
            }
        }
        assertThat(Files.readString(out))
                .contains("\"device\":\"truck-7\"", "\"value\":18446744073709551615");
    }
}
