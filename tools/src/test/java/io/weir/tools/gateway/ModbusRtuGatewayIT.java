package io.weir.tools.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import io.weir.host.poll.DeviceSpec;
import io.weir.host.serial.LineSettings;
import io.weir.host.serial.PtyPair;
import io.weir.tools.admin.AdminClient;
import io.weir.tools.admin.AdminToken;
import io.weir.tools.admin.WriteValues;
import io.weir.tools.cli.HostPort;
import io.weir.tools.run.GatewayService;
import io.weir.tools.sim.ModbusRtuSimulator;
import io.weir.tools.sim.RegisterMap;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled Modbus driver framing RTU through the kernel, over a socat pty pair to j2mod's RTU
 * slave (the simulator of {@code weir sim modbus-rtu}) serving slaves 1 and 2 on one bus, with a
 * third device configured at slave 3, where nobody answers. The live slaves deliver good values
 * every cycle while the dead one times out and is backed off by the bus, a write to slave 2 is
 * acknowledged and read back there and only there, and slave 1 keeps its schedule throughout. And
 * the same driver over {@code rtu+tcp://} against j2mod's TCP slave in RTU-over-TCP mode: RTU
 * frames (no MBAP header) on a TCP connection, framed by length.
 */
class ModbusRtuGatewayIT {
    @TempDir Path tmp;

    private static final String MAP =
            """
            [holding.100]
            name = "setpoint"
            type = "u16"
            value = 10

            [holding.101]
            name = "flow"
            type = "f32"
            order = "CDAB"
            value = 15.5
            """;

    private static final LineSettings LINE =
            new LineSettings(38400, 8, LineSettings.Parity.NONE, 1);

    private static DeviceSpec device(String name, String link, int unit, String extra) {
        return DeviceSpec.of(
                name,
                link,
                "modbus",
                "device unit="
                        + unit
                        + extra
                        + "\n"
                        + "point 0 area=holding address=100 type=u16\n"
                        + "point 1 area=holding address=101 type=f32 order=CDAB\n",
                List.of("setpoint", "flow"),
                Duration.ofMillis(250));
    }

    @FunctionalInterface
    interface Call {
        JsonNode get() throws Exception;
    }

    private static JsonNode await(String what, Call call, Predicate<JsonNode> until)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = call.get();
            if (until.test(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(what + " never happened; last answer " + last);
    }

    private static JsonNode point(JsonNode points, String name) {
        for (JsonNode p : points.path("points")) {
            if (p.path("point").asText().equals(name)) {
                return p;
            }
        }
        return null;
    }

    private static JsonNode status(AdminClient admin, String device) throws Exception {
        for (JsonNode d : admin.status().body().path("devices")) {
            if (d.path("device").asText().equals(device)) {
                return d;
            }
        }
        throw new AssertionError("no device " + device + " in the status");
    }

    private static boolean good(JsonNode points, String name) {
        JsonNode p = point(points, name);
        return p != null && p.path("quality").asText().equals("good");
    }

    @Test
    void slavesOnOneBusKeepTheirScheduleBesideADeadOneAndAWriteIsReadBack() throws Exception {
        // A machine without pseudo-terminals (a chroot that binds /dev without /dev/pts) cannot
        // run a serial peer: skipped with the reason, never passed.
        assumeTrue(PtyPair.unavailable() == null, PtyPair.unavailable());
        try (PtyPair pty = PtyPair.open(tmp.resolve("gateway"), tmp.resolve("sim"));
                ModbusRtuSimulator sim =
                        new ModbusRtuSimulator(
                                RegisterMap.parse(MAP, "test map"),
                                pty.second(),
                                LINE,
                                List.of(1, 2),
                                50)) {
            String link = "serial:" + pty.first() + "?baud=38400&parity=N&data=8&stop=1";
            List<DeviceSpec> devices =
                    List.of(
                            device("s1", link, 1, ""),
                            device("s2", link, 2, ""),
                            // Nobody answers slave 3: it times out after 200 ms, then the bus backs
                            // it off so that it does not take the others' turns.
                            device("dead", link, 3, " timeout_ms=200"));
            Gateway.Settings settings =
                    new Gateway.Settings(
                            "rtu-line", tmp.resolve("data"), Optional.empty(), devices);
            try (GatewayService service =
                    GatewayService.start(settings, new HostPort("127.0.0.1", 0), null)) {
                AdminClient admin =
                        new AdminClient(
                                service.adminAddress(), AdminToken.read(tmp.resolve("data")));
                for (String s : List.of("s1", "s2")) {
                    JsonNode p =
                            await(
                                    s + " good values",
                                    () -> admin.points(s).body(),
                                    b -> good(b, "setpoint") && good(b, "flow"));
                    assertThat(point(p, "setpoint").path("value").asLong()).isEqualTo(10);
                    assertThat(point(p, "flow").path("value").asDouble()).isEqualTo(15.5);
                }
                await(
                        "the dead slave's points bad",
                        () -> admin.points("dead").body(),
                        b ->
                                point(b, "setpoint") != null
                                        && point(b, "setpoint")
                                                .path("quality")
                                                .asText()
                                                .startsWith("bad"));
                assertThat(status(admin, "dead").path("timeouts").asLong()).isPositive();

                // The live slaves keep their 250 ms schedule with the dead one on the bus.
                long c1 = status(admin, "s1").path("cycles").asLong();
                long c2 = status(admin, "s2").path("cycles").asLong();
                long t0 = System.nanoTime();
                Thread.sleep(3000);
                double expected = (System.nanoTime() - t0) / 250e6;
                long d1 = status(admin, "s1").path("cycles").asLong() - c1;
                long d2 = status(admin, "s2").path("cycles").asLong() - c2;
                assertThat(d1)
                        .as("s1 cycles in 3 s (%.1f due)", expected)
                        .isGreaterThan((long) (expected * 0.6));
                assertThat(d2)
                        .as("s2 cycles in 3 s (%.1f due)", expected)
                        .isGreaterThan((long) (expected * 0.6));
                assertThat(status(admin, "s1").path("timeouts").asLong()).isZero();
                assertThat(status(admin, "s1").path("dropped_bytes").asLong()).isZero();

                // A write to slave 2 goes out as an RTU FC6 frame; its echo confirms it.
                AdminClient.Reply ok =
                        admin.write("s2", "setpoint", WriteValues.fromText("42", false));
                assertThat(ok.status()).as(ok.body().toString()).isEqualTo(200);
                assertThat(ok.body().path("outcome").asText()).isEqualTo("acknowledged");
                await(
                        "the written setpoint read back from slave 2",
                        () -> admin.points("s2").body(),
                        b -> point(b, "setpoint").path("value").asLong() == 42);
                // An f32 goes as FC16 in CDAB order.
                AdminClient.Reply f32 =
                        admin.write("s1", "flow", WriteValues.fromText("-2.25", false));
                assertThat(f32.status()).as(f32.body().toString()).isEqualTo(200);
                await(
                        "the written flow read back from slave 1",
                        () -> admin.points("s1").body(),
                        b -> point(b, "flow").path("value").asDouble() == -2.25);
                assertThat(point(admin.points("s1").body(), "setpoint").path("value").asLong())
                        .as("slave 1's setpoint is untouched by the write to slave 2")
                        .isEqualTo(10);
                AdminClient.Reply dead =
                        admin.write("dead", "setpoint", WriteValues.fromText("1", false));
                assertThat(dead.body().path("outcome").asText()).isNotEqualTo("acknowledged");
            }
        }
    }

    @Test
    void rtuOverTcpLinkFramesRtuOnATcpConnection() throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, lo)) {
            port = probe.getLocalPort();
        }
        SimpleProcessImage image = new SimpleProcessImage(7);
        for (int i = 0; i < 103; i++) {
            image.addRegister(new SimpleRegister(0));
        }
        image.setRegister(100, new SimpleRegister(10));
        // f32 15.5 = 0x41780000, ABCD.
        image.setRegister(101, new SimpleRegister(0x4178));
        ModbusSlave slave = ModbusSlaveFactory.createTCPSlave(lo, port, 2, true);
        slave.addProcessImage(7, image);
        slave.open();
        try {
            DeviceSpec dev =
                    DeviceSpec.of(
                            "bridge",
                            "rtu+tcp://127.0.0.1:" + port,
                            "modbus",
                            "device unit=7\n"
                                    + "point 0 area=holding address=100 type=u16\n"
                                    + "point 1 area=holding address=101 type=f32\n",
                            List.of("setpoint", "flow"),
                            Duration.ofMillis(200));
            Gateway.Settings settings =
                    new Gateway.Settings(
                            "rtu-tcp", tmp.resolve("data"), Optional.empty(), List.of(dev));
            try (GatewayService service =
                    GatewayService.start(settings, new HostPort("127.0.0.1", 0), null)) {
                AdminClient admin =
                        new AdminClient(
                                service.adminAddress(), AdminToken.read(tmp.resolve("data")));
                JsonNode p =
                        await(
                                "good values over rtu+tcp",
                                () -> admin.points("bridge").body(),
                                b -> good(b, "setpoint") && good(b, "flow"));
                assertThat(point(p, "setpoint").path("value").asLong()).isEqualTo(10);
                assertThat(point(p, "flow").path("value").asDouble()).isEqualTo(15.5);
                AdminClient.Reply ok =
                        admin.write("bridge", "setpoint", WriteValues.fromText("77", false));
                assertThat(ok.body().path("outcome").asText()).isEqualTo("acknowledged");
                await(
                        "the written setpoint read back over rtu+tcp",
                        () -> admin.points("bridge").body(),
                        b -> point(b, "setpoint").path("value").asLong() == 77);
                assertThat(image.getRegister(100).getValue()).isEqualTo(77);
                JsonNode st = status(admin, "bridge");
                assertThat(st.path("timeouts").asLong()).isZero();
                assertThat(st.path("dropped_bytes").asLong()).isZero();
            }
        } finally {
            ModbusSlaveFactory.close(slave);
        }
    }
}
