package io.weir.tools.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.host.poll.DeviceSpec;
import io.weir.tools.admin.AdminClient;
import io.weir.tools.admin.AdminToken;
import io.weir.tools.admin.WriteValues;
import io.weir.tools.cli.HostPort;
import io.weir.tools.run.GatewayService;
import io.weir.tools.sim.ModbusTcpSimulator;
import io.weir.tools.sim.RegisterMap;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway as a service against a real Modbus TCP slave: the admin API reports status, points
 * and metrics behind its token, and a write through the session changes the slave's register, which
 * the next poll reads back.
 */
class GatewayIT {
    @TempDir Path tmp;

    private static final String MAP =
            """
            [holding.100]
            name = "setpoint"
            type = "u16"
            value = 10

            [input.3]
            name = "level"
            gen = "ramp"
            period = 10
            min = 0
            max = 100
            """;

    private static int freePort(InetAddress at) throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, at)) {
            return s.getLocalPort();
        }
    }

    private static JsonNode await(String what, AdminClientCall call, Predicate<JsonNode> until)
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

    @FunctionalInterface
    interface AdminClientCall {
        JsonNode get() throws Exception;
    }

    private static JsonNode point(JsonNode points, String name) {
        for (JsonNode p : points.path("points")) {
            if (p.path("point").asText().equals(name)) {
                return p;
            }
        }
        return null;
    }

    @Test
    void statusPointsMetricsAndAWriteReadBack() throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        int port = freePort(lo);
        try (ModbusTcpSimulator sim =
                new ModbusTcpSimulator(RegisterMap.parse(MAP, "test map"), lo, port, 1, 50)) {
            DeviceSpec boiler =
                    DeviceSpec.of(
                            "boiler",
                            "tcp://127.0.0.1:" + port,
                            "modbus",
                            "device unit=1\n"
                                    + "point 0 area=holding address=100 type=u16\n"
                                    + "point 1 area=input address=3 type=u16\n",
                            List.of("setpoint", "level"),
                            Duration.ofMillis(200));
            Path data = tmp.resolve("data");
            Gateway.Settings settings =
                    new Gateway.Settings("line-3", data, Optional.empty(), List.of(boiler));
            String summary;
            try (GatewayService service =
                    GatewayService.start(settings, new HostPort("127.0.0.1", 0), null)) {
                Gateway g = service.gateway();
                assertThat(g.tcpBusyPoll()).as("the default").isEqualTo(Duration.ofNanos(50_000));
                assertThat(Files.getPosixFilePermissions(data.resolve(AdminToken.FILE)))
                        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
                AdminClient admin = new AdminClient(service.adminAddress(), AdminToken.read(data));

                JsonNode first =
                        await(
                                "a good setpoint",
                                () -> admin.points("boiler").body(),
                                b -> {
                                    JsonNode p = point(b, "setpoint");
                                    return p != null && p.path("quality").asText().equals("good");
                                });
                assertThat(point(first, "setpoint").path("value").asLong()).isEqualTo(10);

                JsonNode status = admin.status().body();
                assertThat(status.path("gateway").asText()).isEqualTo("line-3");
                assertThat(status.path("uplink").isNull()).isTrue();
                JsonNode dev = status.path("devices").get(0);
                assertThat(dev.path("device").asText()).isEqualTo("boiler");
                assertThat(dev.path("driver").asText()).startsWith("modbus ");
                assertThat(dev.path("link_up").asBoolean()).isTrue();
                assertThat(dev.path("cycles").asLong()).isPositive();
                assertThat(dev.path("state").asText()).isEqualTo("RUNNING");

                String metrics = admin.metrics();
                assertThat(metrics)
                        .contains("weir_device_polls_total{device=\"boiler\"")
                        .contains(
                                "weir_device_poll_latency_seconds{device=\"boiler\",quantile=\"0.99\"}")
                        .contains("weir_driver_calls_total{call=\"weir_poll\"")
                        .contains("jvm_memory_used_bytes");

                AdminClient.Reply ok =
                        admin.write("boiler", "setpoint", WriteValues.fromText("42", false));
                assertThat(ok.status()).isEqualTo(200);
                assertThat(ok.body().path("outcome").asText()).isEqualTo("acknowledged");
                await(
                        "the written setpoint read back",
                        () -> admin.points("boiler").body(),
                        b -> point(b, "setpoint").path("value").asLong() == 42);

                AdminClient.Reply readOnly =
                        admin.write("boiler", "level", WriteValues.fromText("1", false));
                assertThat(readOnly.status()).isEqualTo(422);
                assertThat(readOnly.body().path("outcome").asText()).isEqualTo("refused");
                assertThat(readOnly.body().path("detail").asText()).contains("read-only");

                AdminClient.Reply noPoint =
                        admin.write("boiler", "nope", WriteValues.fromText("1", false));
                assertThat(noPoint.status()).isEqualTo(404);
                assertThat(noPoint.body().path("error").asText())
                        .isEqualTo("device boiler has no point \"nope\"");
                assertThat(admin.points("nosuch").status()).isEqualTo(404);

                Files.writeString(tmp.resolve("admin.token"), "0".repeat(64));
                AdminClient wrong = new AdminClient(service.adminAddress(), AdminToken.read(tmp));
                assertThatThrownBy(wrong::status).hasMessageContaining("refused the admin token");
                summary = g.summary();
            }
            assertThat(summary)
                    .startsWith("line-3: ran ")
                    .contains("1 device, ")
                    .contains(" points");
        }
    }
}
