package io.weir.receiver;

import static io.weir.receiver.UplinkLoopbackIT.numbered;
import static io.weir.receiver.UplinkLoopbackIT.values;
import static org.assertj.core.api.Assertions.assertThat;

import io.weir.host.uplink.EnvelopeSealer;
import io.weir.host.uplink.PointBatch;
import io.weir.host.uplink.Uplink;
import io.weir.host.uplink.UplinkConfig;
import io.weir.host.uplink.UplinkFrame;
import io.weir.host.uplink.UplinkPki;
import io.weir.host.uplink.UplinkTls;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The receiver's idle timeout (UPLINK.md §8.3): an authenticated session that sends nothing is
 * closed after {@code idleTimeout}; a gateway that then has data reconnects and loses nothing.
 */
class ReceiverIdleIT {
    @TempDir Path tmp;
    UplinkPki pki;

    @BeforeEach
    void pki() throws Exception {
        pki = PkiIssuer.init(tmp.resolve("pki"), UplinkPki.Algorithm.SM2, "gw-01");
    }

    Receiver receiver(Duration idle) throws Exception {
        return Receiver.start(
                Receiver.Config.fromPki(
                                pki, "127.0.0.1", 0, "jdbc:h2:file:" + tmp.resolve("ingest"), null)
                        .withIdleTimeout(idle));
    }

    UplinkTls gatewayTls() throws Exception {
        return UplinkTls.create(
                UplinkTls.Mode.GM,
                false,
                false,
                UplinkPki.readCertificates(pki.gatewayCert("gw-01")),
                UplinkPki.readPrivateKey(pki.gatewayKey("gw-01")),
                UplinkPki.readCertificates(pki.caCert()));
    }

    @Test
    void anAuthenticatedSessionThatSendsNothingIsClosed() throws Exception {
        try (Receiver rx = receiver(Duration.ofSeconds(1));
                RawGateway idle = new RawGateway(gatewayTls(), "127.0.0.1", rx.port())) {
            assertThat(idle.awaitClosedByPeer(10)).as("closed by the receiver").isTrue();
            assertThat(rx.stats().idleClosed()).isEqualTo(1);
            assertThat(rx.stats().connections()).isEqualTo(1);
        }
    }

    @Test
    void batchesKeepASessionOpenUntilTheyStop() throws Exception {
        try (Receiver rx = receiver(Duration.ofSeconds(2));
                RawGateway gw = new RawGateway(gatewayTls(), "127.0.0.1", rx.port())) {
            EnvelopeSealer sealer =
                    new EnvelopeSealer(
                            "gw-01",
                            UplinkPki.readPublicKey(pki.envelopePublicKey()),
                            null,
                            new SecureRandom());
            // Batches every 500 ms keep the session alive well past the 2 s timeout.
            for (int i = 1; i <= 8; i++) {
                UplinkFrame.Ack a =
                        gw.send(sealer.seal(i, 0, PointBatch.encode(numbered("plc", i, 1)), false));
                assertThat(a.status()).isEqualTo(UplinkFrame.Status.STORED);
                Thread.sleep(500);
            }
            assertThat(rx.stats().idleClosed()).isZero();
            assertThat(gw.awaitClosedByPeer(10)).isTrue();
            assertThat(rx.stats().idleClosed()).isEqualTo(1);
        }
    }

    @Test
    void aGatewayClosedForIdlingReconnectsWhenItHasDataAndLosesNothing() throws Exception {
        try (Receiver rx = receiver(Duration.ofSeconds(1))) {
            UplinkConfig cfg =
                    UplinkConfig.forGateway(
                                    pki,
                                    "gw-01",
                                    "127.0.0.1",
                                    rx.port(),
                                    "jdbc:h2:file:" + tmp.resolve("outbox"))
                            .withBatching(new UplinkConfig.Batching(100, Duration.ofMillis(20), 8));
            try (Uplink up = Uplink.start(cfg)) {
                for (int round = 0; round < 3; round++) {
                    up.sink().accept(numbered("plc", round * 100L, 100));
                    up.flush();
                    assertThat(up.awaitDrained(Duration.ofSeconds(30))).isTrue();
                    Thread.sleep(2500); // idle past the timeout: the receiver closes the session
                }
                assertThat(rx.stats().idleClosed()).isGreaterThanOrEqualTo(2);
                assertThat(up.status().connects()).isGreaterThanOrEqualTo(3);
            }
            List<Long> expected = new ArrayList<>();
            for (long v = 0; v < 300; v++) {
                expected.add(v);
            }
            assertThat(values(rx.store(), "gw-01", "plc")).isEqualTo(expected);
        }
    }
}
