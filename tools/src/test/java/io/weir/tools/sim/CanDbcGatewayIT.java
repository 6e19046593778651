package io.weir.tools.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.abi.CanFrame;
import io.weir.host.can.CanLink;
import io.weir.host.can.CanTransport;
import io.weir.host.io.LinkAddress;
import io.weir.host.io.LinkListener;
import io.weir.host.points.Point;
import io.weir.host.points.Value;
import io.weir.tools.config.GatewayConfig;
import io.weir.tools.gateway.Gateway;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled can-dbc driver in a gateway read from a TOML config whose device takes its points
 * from a DBC file ({@code dbc = …}: CSS Electronics' J1939 demo DBC plus a 9-byte DM1), on a
 * socketcand link to the socketcand server of {@code weir sim can}. The test is the other node on
 * the bus, an engine ECU at source address 0x00, through a second socketcand client: its EEC1 and
 * CCVS1 frames become points (a "not available" speed as a bad point, not a number), and its 9-byte
 * DM1 goes by RTS/CTS to the gateway's address 249, which must answer clear-to-send and
 * end-of-message acknowledgement over the link before the DM1's signals are points.
 */
class CanDbcGatewayIT {
    @TempDir Path tmp;

    private static final Path CSS_DBC =
            Path.of(
                    System.getProperty("weir.corpus", "../../shared/corpus"),
                    "can",
                    "j1939",
                    "css-electronics",
                    "CSS-Electronics-SAE-J1939-DEMO.dbc");

    /** PGN 65226 (DM1) from any source, 9 bytes: the first DTC's SPN and FMI (J1939-73 §5.7.1). */
    private static final String DM1 =
            "\nBO_ "
                    + (0x8000_0000L | 0x18FE_CAFEL)
                    + " DM1: 9 Vector__XXX\n"
                    + " SG_ SPN1 : 16|19@1+ (1,0) [0|524287] \"\" Vector__XXX\n"
                    + " SG_ FMI1 : 35|5@1+ (1,0) [0|31] \"\" Vector__XXX\n";

    /** The ECU's end of the bus: what it hears. */
    static final class Node implements LinkListener {
        final List<CanFrame> heard = new CopyOnWriteArrayList<>();
        volatile boolean up;

        @Override
        public void linkUp() {
            up = true;
        }

        @Override
        public void received(byte[] bytes) {
            heard.add(CanFrame.decode(bytes, 0, bytes.length));
        }

        @Override
        public void linkDown(String reason) {
            up = false;
        }
    }

    private static void await(
            String what, java.util.function.BooleanSupplier done, Runnable meanwhile)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " never happened");
            }
            meanwhile.run();
            Thread.sleep(50);
        }
    }

    /**
     * Whether the point has a good value: until the first frame the host reports every point with a
     * null value and a bad quality (no link yet), which must not pass for a decoded one.
     */
    private static boolean good(Map<String, Point> latest, String point) {
        Point p = latest.get(point);
        return p != null && p.qualityClass().equals("good");
    }

    private static boolean has(List<CanFrame> frames, Predicate<CanFrame> p) {
        return frames.stream().anyMatch(p);
    }

    @Test
    void decodesTheDbcsSignalsAndAnswersTransportAddressedToIt() throws Exception {
        Path dbc = tmp.resolve("truck.dbc");
        Files.writeString(dbc, Files.readString(CSS_DBC) + DM1);
        Path log = Files.writeString(tmp.resolve("empty.log"), "");
        Map<String, Point> latest = new ConcurrentHashMap<>();
        try (CanBusSim bus = new CanBusSim(log, 0, false, null, note -> {});
                SocketcandServerSim server =
                        new SocketcandServerSim(
                                InetAddress.getLoopbackAddress(), 0, "vcan0", bus, note -> {})) {
            bus.attach(server);
            String link = "socketcand://127.0.0.1:" + server.port() + "/vcan0";
            Path toml = tmp.resolve("gateway.toml");
            Files.writeString(
                    toml,
                    """
                    [gateway]
                    name = "truck"
                    data_dir = "data"

                    [[devices]]
                    name = "engine"
                    driver = "can-dbc"
                    link = "%s"
                    interval = "100ms"
                    dbc = "truck.dbc"
                    address = 249
                    """
                            .formatted(link));
            GatewayConfig config = GatewayConfig.load(toml);
            assertThat(config.devices().get(0).pointNames())
                    .containsExactly(
                            "EEC1.EngineSpeed",
                            "EEC1.source_address",
                            "CCVS1.WheelBasedVehicleSpeed",
                            "CCVS1.source_address",
                            "DM1.SPN1",
                            "DM1.FMI1",
                            "DM1.source_address");
            Gateway.Settings settings =
                    new Gateway.Settings(
                            "truck",
                            tmp.resolve("data"),
                            Optional.empty(),
                            List.of(config.devices().get(0).toSpec()));
            try (Gateway gateway =
                            Gateway.start(
                                    settings,
                                    batch -> batch.forEach(p -> latest.put(p.point(), p)));
                    CanTransport transport = new CanTransport()) {
                CanLink ecu = transport.open(LinkAddress.parse(link));
                Node node = new Node();
                ecu.start(node);
                await("the ECU's link up", () -> node.up, () -> {});
                byte[] eec1 = CanFrame.parseCandump("0CF00400#207D87481400F087").encode();
                // The gateway's link may come up after the ECU's: send until the points arrive. A
                // message's points come in one batch, in point order: the last one says it is in.
                await(
                        "EEC1.EngineSpeed",
                        () -> good(latest, "EEC1.source_address"),
                        () -> ecu.send(eec1));
                // pretty_j1939 prints 649.0 rpm for this real truck frame.
                assertThat(latest.get("EEC1.EngineSpeed").value()).isEqualTo(new Value.F64(649.0));
                assertThat(latest.get("EEC1.source_address").value()).isEqualTo(new Value.U64(0));

                ecu.send(CanFrame.parseCandump("18FEF100#FFFFFFFFFFFFFFFF").encode());
                await(
                        "CCVS1.WheelBasedVehicleSpeed",
                        () -> good(latest, "CCVS1.source_address"),
                        () -> {});
                Point speed = latest.get("CCVS1.WheelBasedVehicleSpeed");
                assertThat(speed.qualityClass()).isEqualTo("bad");
                assertThat(speed.value()).isEqualTo(Value.NULL);
                assertThat(speed.error()).contains("not available");

                // RTS: 9 bytes in 2 packets of PGN 65226 from 0x00 to 249 (0xF9).
                ecu.send(CanFrame.parseCandump("1CECF900#10090002FFCAFE00").encode());
                CanFrame cts = CanFrame.parseCandump("1CEC00F9#110201FFFFCAFE00");
                await("the gateway's CTS", () -> has(node.heard, cts::equals), () -> {});
                ecu.send(CanFrame.parseCandump("1CEBF900#0140FFBE00100100").encode());
                ecu.send(CanFrame.parseCandump("1CEBF900#020000FFFFFFFFFF").encode());
                CanFrame ack = CanFrame.parseCandump("1CEC00F9#13090002FFCAFE00");
                await("the gateway's EndOfMsgAck", () -> has(node.heard, ack::equals), () -> {});
                await("DM1", () -> good(latest, "DM1.source_address"), () -> {});
                assertThat(latest.get("DM1.SPN1").value()).isEqualTo(new Value.I64(190));
                assertThat(latest.get("DM1.FMI1").value()).isEqualTo(new Value.I64(2));
                assertThat(latest.get("DM1.source_address").value()).isEqualTo(new Value.U64(0));
                // Nothing else went out: one CTS and one acknowledgement.
                assertThat(node.heard).containsExactly(cts, ack);
            }
        }
    }
}
