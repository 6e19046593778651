package io.weir.receiver;

import static io.weir.receiver.UplinkLoopbackIT.numbered;
import static io.weir.receiver.UplinkLoopbackIT.values;
import static org.assertj.core.api.Assertions.assertThat;

import io.weir.host.uplink.Outbox;
import io.weir.host.uplink.Uplink;
import io.weir.host.uplink.UplinkConfig;
import io.weir.host.uplink.UplinkPki;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full outbox with the receiver away: BLOCK slows the collection, DROP_OLDEST counts its losses.
 */
class OutboxPolicyIT {
    @TempDir Path tmp;

    UplinkConfig config(UplinkPki pki, int port, Outbox.OverflowPolicy policy) throws Exception {
        String outboxUrl = "jdbc:h2:file:" + tmp.resolve("outbox");
        return UplinkConfig.forGateway(pki, "gw-01", "127.0.0.1", port, outboxUrl)
                .withBatching(new UplinkConfig.Batching(1000, Duration.ofMillis(20), 4))
                .withOutbox(
                        new UplinkConfig.OutboxSettings(
                                outboxUrl, 20_000, policy, Outbox.Durability.POWER_CUT))
                .withBackoff(
                        new UplinkConfig.Backoff(
                                Duration.ofMillis(50),
                                Duration.ofMillis(500),
                                Duration.ofSeconds(30)));
    }

    Receiver receiver(UplinkPki pki, int port) throws Exception {
        return Receiver.start(
                Receiver.Config.fromPki(
                        pki, "127.0.0.1", port, "jdbc:h2:file:" + tmp.resolve("ingest"), null));
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void blockHoldsTheCollectionUntilTheReceiverIsBackAndLosesNothing() throws Exception {
        UplinkPki pki = PkiIssuer.init(tmp.resolve("pki"), UplinkPki.Algorithm.SM2, "gw-01");
        int port = freePort();
        try (Uplink up = Uplink.start(config(pki, port, Outbox.OverflowPolicy.BLOCK))) {
            CompletableFuture<Void> producer =
                    CompletableFuture.runAsync(
                            () -> {
                                for (int i = 0; i < 200; i++) {
                                    up.sink().accept(numbered("plc", i * 1000L, 1000));
                                }
                            });
            Thread.sleep(2000);
            assertThat(producer).as("collection blocked by the full outbox").isNotDone();
            assertThat(up.status().outbox().bytes()).isLessThanOrEqualTo(20_000);
            try (Receiver rx = receiver(pki, port)) {
                producer.get(60, TimeUnit.SECONDS);
                assertThat(up.awaitDrained(Duration.ofSeconds(60))).isTrue();
                List<Long> got = values(rx.store(), "gw-01", "plc");
                assertThat(got).hasSize(200_000);
                for (int i = 0; i < got.size(); i++) {
                    assertThat(got.get(i)).isEqualTo((long) i);
                }
                assertThat(up.status().outbox().droppedBatches()).isZero();
            }
        }
    }

    @Test
    void dropOldestKeepsCollectingAndCountsEveryDroppedPoint() throws Exception {
        UplinkPki pki = PkiIssuer.init(tmp.resolve("pki"), UplinkPki.Algorithm.SM2, "gw-01");
        int port = freePort();
        try (Uplink up = Uplink.start(config(pki, port, Outbox.OverflowPolicy.DROP_OLDEST))) {
            for (int i = 0; i < 200; i++) {
                up.sink().accept(numbered("plc", i * 1000L, 1000));
            }
            up.flush();
            Outbox.Stats s = up.status().outbox();
            assertThat(s.droppedBatches()).isPositive();
            assertThat(s.droppedPoints()).isEqualTo(s.droppedBatches() * 1000);
            try (Receiver rx = receiver(pki, port)) {
                assertThat(up.awaitDrained(Duration.ofSeconds(60))).isTrue();
                List<Long> got = values(rx.store(), "gw-01", "plc");
                long dropped = up.status().outbox().droppedPoints();
                assertThat(got.size() + dropped)
                        .as("delivered + counted as dropped")
                        .isEqualTo(200_000);
                assertThat(rx.stats().seqGaps())
                        .as("the receiver reports the dropped head")
                        .isEqualTo(1);
                // The oldest went: what arrived is the newest tail, in order, without duplicates.
                for (int i = 0; i < got.size(); i++) {
                    assertThat(got.get(i)).isEqualTo(dropped + i);
                }
            }
        }
    }
}
