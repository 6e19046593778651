package io.weir.tools.uplink;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.host.points.Point;
import io.weir.host.points.Value;
import io.weir.host.uplink.Uplink;
import io.weir.host.uplink.UplinkConfig;
import io.weir.host.uplink.UplinkPki;
import io.weir.receiver.PkiIssuer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `weir receiver` as a user runs it, fed by a real gateway uplink. */
class ReceiverCommandIT {
    @TempDir Path tmp;

    @Test
    void receiverCommandWritesDecryptedPointsAsJsonLines() throws Exception {
        Path pkiDir = tmp.resolve("pki");
        UplinkPki pki = PkiIssuer.init(pkiDir, UplinkPki.Algorithm.SM2, "gw-01");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path out = tmp.resolve("points.jsonl");
        StringWriter so = new StringWriter();
        CommandLine cl = new CommandLine(new ReceiverCommand());
        cl.setOut(new PrintWriter(so));
        int p = port;
        Thread rx =
                new Thread(
                        () ->
                                cl.execute(
                                        "--listen",
                                        "127.0.0.1:" + p,
                                        "--pki",
                                        pkiDir.toString(),
                                        "--out",
                                        out.toString(),
                                        "--db",
                                        "jdbc:h2:file:" + tmp.resolve("ingest")));
        rx.setDaemon(true);
        rx.start();
        UplinkConfig cfg =
                UplinkConfig.forGateway(
                        pki, "gw-01", "127.0.0.1", port, "jdbc:h2:file:" + tmp.resolve("outbox"));
        try (Uplink up = Uplink.start(cfg)) {
            up.sink()
                    .accept(
                            List.of(
                                    new Point(
                                            "boiler",
                                            "temp",
                                            Value.f64(81.5),
                                            0,
                                            1_700_000_000_000L,
                                            null),
                                    new Point(
                                            "boiler",
                                            "alarm",
                                            Value.NULL,
                                            0x8000,
                                            1_700_000_000_001L,
                                            "timeout")));
            up.flush();
            assertThat(up.awaitDrained(Duration.ofSeconds(30))).as("%s", up.status()).isTrue();
        }
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0))
                .startsWith(
                        "{\"gateway\":\"gw-01\",\"device\":\"boiler\",\"point\":\"temp\","
                                + "\"value\":81.5,\"quality\":\"good\",\"quality_code\":0,\"ts\":1700000000000,");
        assertThat(lines.get(1))
                .contains("\"value\":null", "\"quality\":\"bad\"", "\"error\":\"timeout\"");
        assertThat(so.toString()).contains("receiver listening on 127.0.0.1:" + port, "GM TLS");
    }
}
