package io.weir.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.host.uplink.EnvelopeSealer;
import io.weir.host.uplink.PointBatch;
import io.weir.host.uplink.UplinkFrame;
import io.weir.host.uplink.UplinkPki;
import io.weir.host.uplink.UplinkTls;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two receivers on one database, as behind a TCP load balancer: the same batch offered to both,
 * even at the same moment, is stored once; the other receiver answers DUPLICATE.
 */
class SharedDatabaseIT {
    @TempDir Path tmp;

    @Test
    void twoReceiversStoreEachBatchOnce() throws Exception {
        UplinkPki pki = PkiIssuer.init(tmp.resolve("pki"), UplinkPki.Algorithm.SM2, "gw-01");
        String db = "jdbc:h2:file:" + tmp.resolve("shared") + ";AUTO_SERVER=TRUE";
        try (Receiver a = Receiver.start(Receiver.Config.fromPki(pki, "127.0.0.1", 0, db, null));
                Receiver b =
                        Receiver.start(Receiver.Config.fromPki(pki, "127.0.0.1", 0, db, null))) {
            UplinkTls tls =
                    UplinkTls.create(
                            UplinkTls.Mode.GM,
                            false,
                            false,
                            UplinkPki.readCertificates(pki.gatewayCert("gw-01")),
                            UplinkPki.readPrivateKey(pki.gatewayKey("gw-01")),
                            UplinkPki.readCertificates(pki.caCert()));
            EnvelopeSealer sealer =
                    new EnvelopeSealer(
                            "gw-01",
                            UplinkPki.readPublicKey(pki.envelopePublicKey()),
                            UplinkPki.readPrivateKey(pki.gatewayKey("gw-01")),
                            new SecureRandom());
            List<byte[]> envelopes = new ArrayList<>();
            for (int i = 1; i <= 40; i++) {
                envelopes.add(
                        sealer.seal(
                                i,
                                0,
                                PointBatch.encode(UplinkLoopbackIT.numbered("plc", i * 10L, 10)),
                                false));
            }
            try (RawGateway toA = new RawGateway(tls, "127.0.0.1", a.port());
                    RawGateway toB = new RawGateway(tls, "127.0.0.1", b.port())) {
                int stored = 0;
                int dup = 0;
                for (byte[] env : envelopes) {
                    CompletableFuture<UplinkFrame.Ack> fa =
                            CompletableFuture.supplyAsync(() -> send(toA, env));
                    CompletableFuture<UplinkFrame.Ack> fb =
                            CompletableFuture.supplyAsync(() -> send(toB, env));
                    for (UplinkFrame.Ack ack : List.of(fa.get(), fb.get())) {
                        switch (ack.status()) {
                            case STORED -> stored++;
                            case DUPLICATE -> dup++;
                            default -> throw new AssertionError("unexpected " + ack);
                        }
                    }
                }
                assertThat(stored).isEqualTo(40);
                assertThat(dup).isEqualTo(40);
            }
            assertThat(a.store().pointCount()).isEqualTo(400);
            assertThat(a.stats().storedBatches() + b.stats().storedBatches()).isEqualTo(40);
        }
    }

    private static UplinkFrame.Ack send(RawGateway g, byte[] env) {
        try {
            return g.send(env);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
