package io.weir.tools.uplink;

import io.weir.host.points.Point;
import io.weir.host.points.PointSink;
import io.weir.host.uplink.Uplink;
import io.weir.host.uplink.UplinkConfig;
import io.weir.host.uplink.UplinkPki;
import io.weir.receiver.PkiIssuer;
import io.weir.receiver.Receiver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The uplink in a box for {@code weir demo}: a fresh SM2 PKI, a receiver on a free loopback port
 * and a gateway uplink to it, all under one work directory. Hand {@link #sink()} to the kernel and
 * {@link #onReceived} a printer to show points arriving decrypted at the far end.
 *
 * <pre>
 * try (DemoUplink up = DemoUplink.start(workDir, workDir.resolve("received.jsonl"))) {
 *     up.onReceived((gw, points) -> ...);
 *     Kernel kernel = new Kernel(batch -> { print(batch); up.sink().accept(batch); });
 *     ...
 * }
 * </pre>
 */
public final class DemoUplink implements AutoCloseable {
    private final Receiver receiver;
    private final Uplink uplink;
    private final Path out;

    private DemoUplink(Receiver receiver, Uplink uplink, Path out) {
        this.receiver = receiver;
        this.uplink = uplink;
        this.out = out;
    }

    /** Creates {@code workDir/pki} (if absent), starts the receiver and the uplink. */
    public static DemoUplink start(Path workDir, Path outFile) throws Exception {
        Files.createDirectories(workDir);
        Path pkiDir = workDir.resolve("pki");
        UplinkPki pki =
                Files.exists(pkiDir.resolve("ca.key"))
                        ? new UplinkPki(pkiDir)
                        : PkiIssuer.init(
                                pkiDir, UplinkPki.Algorithm.SM2, UplinkPki.DEFAULT_GATEWAY);
        Receiver rx =
                Receiver.start(
                        Receiver.Config.fromPki(
                                pki,
                                "127.0.0.1",
                                0,
                                "jdbc:h2:file:" + workDir.resolve("ingest"),
                                outFile));
        try {
            UplinkConfig cfg =
                    UplinkConfig.forGateway(
                                    pki,
                                    UplinkPki.DEFAULT_GATEWAY,
                                    "127.0.0.1",
                                    rx.port(),
                                    "jdbc:h2:file:" + workDir.resolve("outbox"))
                            .withBatching(
                                    new UplinkConfig.Batching(1000, Duration.ofMillis(200), 8));
            return new DemoUplink(rx, Uplink.start(cfg), outFile);
        } catch (Exception e) {
            rx.close();
            throw e;
        }
    }

    public PointSink sink() {
        return uplink.sink();
    }

    /** Called with (gateway, points) for every batch the receiver stored. */
    public void onReceived(BiConsumer<String, List<Point>> listener) {
        receiver.onStored(listener);
    }

    public Uplink uplink() {
        return uplink;
    }

    public Receiver receiver() {
        return receiver;
    }

    /** One line for the demo banner. */
    public String describe() {
        return "uplink: gateway "
                + uplink.gatewayId()
                + " -> receiver 127.0.0.1:"
                + receiver.port()
                + " (mutual TLS 1.3 TLS_SM4_GCM_SM3, SM2-wrapped SM4-GCM envelopes, H2 outbox)"
                + (out != null ? "; decrypted points in " + out : "");
    }

    /** Stops the uplink (waiting up to 5 s for the last ACKs), then the receiver. */
    @Override
    public void close() {
        try {
            uplink.flush();
            uplink.awaitDrained(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // stop() below keeps whatever was not acknowledged in the outbox for the next start
        } finally {
            uplink.stop();
            receiver.close();
        }
    }
}
