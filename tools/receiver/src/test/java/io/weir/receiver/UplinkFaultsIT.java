package io.weir.receiver;

import static io.weir.receiver.UplinkLoopbackIT.numbered;
import static io.weir.receiver.UplinkLoopbackIT.values;
import static org.assertj.core.api.Assertions.assertThat;

import io.weir.host.uplink.EnvelopeRejected;
import io.weir.host.uplink.EnvelopeSealer;
import io.weir.host.uplink.Outbox;
import io.weir.host.uplink.PointBatch;
import io.weir.host.uplink.Uplink;
import io.weir.host.uplink.UplinkConfig;
import io.weir.host.uplink.UplinkFrame;
import io.weir.host.uplink.UplinkPki;
import io.weir.host.uplink.UplinkTls;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * UPLINK.md §11 proofs over real loopback TLS (GM mode, SM2 certificates): outage, corruption at
 * rest and in flight, replay, wrong and expired client certificates, unknown envelope key.
 */
class UplinkFaultsIT {
    @TempDir Path tmp;
    UplinkPki pki;
    String rxDb;

    @BeforeEach
    void pki() throws Exception {
        pki = PkiIssuer.init(tmp.resolve("pki"), UplinkPki.Algorithm.SM2, "gw-01");
        rxDb = "jdbc:h2:file:" + tmp.resolve("ingest");
    }

    Receiver receiver(int port) throws Exception {
        return Receiver.start(Receiver.Config.fromPki(pki, "127.0.0.1", port, rxDb, null));
    }

    UplinkConfig gateway(int port) throws Exception {
        return UplinkConfig.forGateway(
                        pki, "gw-01", "127.0.0.1", port, "jdbc:h2:file:" + tmp.resolve("outbox"))
                .withBatching(new UplinkConfig.Batching(1000, Duration.ofMillis(50), 8))
                .withBackoff(
                        new UplinkConfig.Backoff(
                                Duration.ofMillis(100),
                                Duration.ofSeconds(5),
                                Duration.ofSeconds(30)));
    }

    /** {@link #gateway(int)} presenting {@code certificate} and {@code key} instead. */
    UplinkConfig gateway(int port, Path certificate, Path key) throws Exception {
        UplinkConfig gw = gateway(port);
        return gw.withTls(gw.tls().withIdentity(certificate, key));
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static void assertExactly(List<Long> got, long n) {
        assertThat(got).as("points stored").hasSize((int) n);
        for (int i = 0; i < n; i++) {
            if (got.get(i) != i) {
                throw new AssertionError(
                        "point #" + i + " is " + got.get(i) + ": lost, duplicated or out of order");
            }
        }
    }

    /**
     * Receiver down for {@code weir.uplink.outageSeconds} (default 60) while collection goes on:
     * afterwards every point arrives once, in order. The gateway's reconnect backoff is capped at 5
     * s here (production default 30 s) so the test waits at most 5 s after the receiver returns;
     * the property — the outbox holds everything and resends in order — does not depend on the cap.
     */
    @Test
    void receiverOutageBuffersEverythingAndDeliversInOrderOnce() throws Exception {
        long outage = Long.getLong("weir.uplink.outageSeconds", 60);
        Receiver rx = receiver(0);
        int port = rx.port();
        AtomicBoolean producing = new AtomicBoolean(true);
        AtomicLong produced = new AtomicLong();
        try (Uplink up = Uplink.start(gateway(port))) {
            Thread producer =
                    new Thread(
                            () -> {
                                while (producing.get()) {
                                    up.sink().accept(numbered("plc", produced.get(), 500));
                                    produced.addAndGet(500);
                                    try {
                                        Thread.sleep(50);
                                    } catch (InterruptedException e) {
                                        return;
                                    }
                                }
                            });
            producer.start();
            Thread.sleep(2000);
            rx.close();
            long atOutage = produced.get();
            Thread.sleep(outage * 1000);
            Uplink.Status during = up.status();
            assertThat(during.connected()).isFalse();
            assertThat(during.outbox().batches())
                    .as("batches buffered during the outage")
                    .isPositive();
            rx = receiver(port);
            Thread.sleep(2000);
            producing.set(false);
            producer.join();
            up.flush();
            assertThat(up.awaitDrained(Duration.ofSeconds(60)))
                    .as("drained: %s", up.status())
                    .isTrue();
            assertThat(produced.get()).isGreaterThan(atOutage + outage * 5000);
            assertExactly(values(rx.store(), "gw-01", "plc"), produced.get());
            assertThat(up.status().outbox().droppedBatches()).isZero();
        } finally {
            rx.close();
        }
    }

    @Test
    void flippedBitInAStoredBatchIsRejectedQuarantinedAndNothingElseIsLost() throws Exception {
        int port = freePort();
        try (Uplink up = Uplink.start(gateway(port))) {
            for (int i = 0; i < 10; i++) {
                up.sink().accept(numbered("plc", i * 1000L, 1000));
                up.flush();
            }
            Outbox.Row victim = up.outbox().after(0, 10).get(3);
            byte[] bad = victim.envelope().clone();
            bad[bad.length - 20] ^= 0x01; // inside the ciphertext, at rest in H2
            up.outbox()
                    .withConnection(
                            c -> {
                                try (var ps =
                                        c.prepareStatement(
                                                "UPDATE outbox SET envelope = ? WHERE id = ?")) {
                                    ps.setBytes(1, bad);
                                    ps.setLong(2, victim.id());
                                    return ps.executeUpdate();
                                }
                            });
            try (Receiver rx = receiver(port)) {
                assertThat(up.awaitDrained(Duration.ofSeconds(30))).isTrue();
                assertThat(rx.stats().rejectedByReason())
                        .containsEntry(EnvelopeRejected.Reason.AUTH_TAG_MISMATCH, 1L);
                assertThat(up.status().outbox().quarantined()).isEqualTo(1);
                assertThat(up.status().lastError()).contains("AUTH_TAG_MISMATCH");
                assertThat(rx.stats().seqGaps()).isEqualTo(1);
                List<Long> expected = new ArrayList<>();
                for (long v = 0; v < 10_000; v++) {
                    if (v < 3000 || v >= 4000) {
                        expected.add(v);
                    }
                }
                assertThat(values(rx.store(), "gw-01", "plc")).isEqualTo(expected);
                String reason =
                        up.outbox()
                                .withConnection(
                                        c -> {
                                            try (var rs =
                                                    c.createStatement()
                                                            .executeQuery(
                                                                    "SELECT seq, reason FROM outbox_quarantine")) {
                                                rs.next();
                                                assertThat(rs.getLong(1)).isEqualTo(victim.seq());
                                                return rs.getString(2);
                                            }
                                        });
                assertThat(reason).startsWith("AUTH_TAG_MISMATCH");
            }
        }
    }

    @Test
    void flippedBitInFlightBreaksTlsAndTheBatchIsResentOnce() throws Exception {
        try (Receiver rx = receiver(0);
                BitFlipProxy proxy = new BitFlipProxy(rx.port(), 30_000);
                Uplink up = Uplink.start(gateway(proxy.port()))) {
            for (int i = 0; i < 60; i++) {
                up.sink().accept(numbered("plc", i * 1000L, 1000));
            }
            up.flush();
            assertThat(up.awaitDrained(Duration.ofSeconds(60)))
                    .as("drained: %s", up.status())
                    .isTrue();
            assertThat(proxy.flipped()).isTrue();
            assertThat(proxy.connections.get())
                    .as("reconnected after the TLS failure")
                    .isGreaterThanOrEqualTo(2);
            assertExactly(values(rx.store(), "gw-01", "plc"), 60_000);
        }
    }

    @Test
    void replayedBatchIsNotStoredTwiceAndAForgedReplayIsRefused() throws Exception {
        int port = freePort();
        byte[] captured;
        try (Receiver rx = receiver(port)) {
            try (Uplink up =
                    Uplink.start(
                            gateway(port)
                                    .withBatching(
                                            new UplinkConfig.Batching(
                                                    1000, Duration.ofSeconds(5), 1)))) {
                up.sink().accept(numbered("plc", 0, 1000));
                up.flush();
                captured = up.outbox().after(0, 1).get(0).envelope();
                assertThat(up.awaitDrained(Duration.ofSeconds(30))).isTrue();
            }
            assertThat(rx.store().pointCount()).isEqualTo(1000);
            UplinkTls gwTls = tlsFor("gw-01");
            try (RawGateway raw = new RawGateway(gwTls, "127.0.0.1", port)) {
                UplinkFrame.Ack a = raw.send(captured);
                assertThat(a.status()).isEqualTo(UplinkFrame.Status.DUPLICATE);
                assertThat(rx.store().pointCount()).as("replay not stored").isEqualTo(1000);

                // Same (gateway, epoch, seq), different content: only the gateway key holder can
                // seal it, yet the receiver must still refuse to overwrite or add.
                EnvelopeSealer s =
                        new EnvelopeSealer(
                                "gw-01",
                                UplinkPki.readPublicKey(pki.envelopePublicKey()),
                                UplinkPki.readPrivateKey(pki.gatewayKey("gw-01")),
                                new SecureRandom());
                assertThat(
                                raw.send(
                                                s.seal(
                                                        1,
                                                        0,
                                                        PointBatch.encode(numbered("x", 0, 1)),
                                                        false))
                                        .status())
                        .isEqualTo(UplinkFrame.Status.STORED);
                UplinkFrame.Ack forged =
                        raw.send(s.seal(1, 0, PointBatch.encode(numbered("x", 5, 1)), false));
                assertThat(forged.status()).isEqualTo(UplinkFrame.Status.REJECTED);
                assertThat(EnvelopeRejected.Reason.ofCode(forged.reason()))
                        .isEqualTo(EnvelopeRejected.Reason.REPLAY_CONFLICT);
                assertThat(forged.message()).contains("DIFFERENT bytes");
            }
            PkiIssuer.issue(
                    pki, "gw-02", Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
            try (RawGateway other = new RawGateway(tlsFor("gw-02"), "127.0.0.1", port)) {
                UplinkFrame.Ack a = other.send(captured);
                assertThat(a.status()).isEqualTo(UplinkFrame.Status.REJECTED);
                assertThat(EnvelopeRejected.Reason.ofCode(a.reason()))
                        .isEqualTo(EnvelopeRejected.Reason.GATEWAY_MISMATCH);
                assertThat(a.message()).contains("\"gw-01\"", "\"gw-02\"");
            }
            assertThat(rx.store().pointCount()).isEqualTo(1001);
        }
    }

    UplinkTls tlsFor(String name) throws Exception {
        return UplinkTls.create(
                UplinkTls.Mode.GM,
                false,
                false,
                UplinkPki.readCertificates(pki.gatewayCert(name)),
                UplinkPki.readPrivateKey(pki.gatewayKey(name)),
                UplinkPki.readCertificates(pki.caCert()));
    }

    /**
     * After feeding {@code up}, whose certificate {@code rx} refuses: the handshake failed on both
     * sides, nothing was acknowledged or stored, and all {@code points} wait in the outbox.
     */
    static void assertRefusedAtHandshake(Uplink up, Receiver rx, long points) throws Exception {
        up.flush();
        Thread.sleep(3000);
        Uplink.Status s = up.status();
        assertThat(s.ackedBatches()).isZero();
        assertThat(s.lastError()).contains("TLS", "certificate_unknown");
        assertThat(s.outbox().points()).isEqualTo(points);
        assertThat(rx.stats().tlsFailures()).isPositive();
        assertThat(rx.store().pointCount()).isZero();
    }

    @Test
    void clientCertificateFromAnotherCaIsRefusedAndTheOutboxKeepsEverything() throws Exception {
        UplinkPki foreign =
                PkiIssuer.init(tmp.resolve("foreign"), UplinkPki.Algorithm.SM2, "gw-01");
        try (Receiver rx = receiver(0)) {
            UplinkConfig cfg =
                    gateway(rx.port(), foreign.gatewayCert("gw-01"), foreign.gatewayKey("gw-01"));
            try (Uplink up = Uplink.start(cfg)) {
                for (int i = 0; i < 5; i++) {
                    up.sink().accept(numbered("plc", i * 1000L, 1000));
                }
                assertRefusedAtHandshake(up, rx, 5000);
                assertThat(rx.stats().lastTlsFailure()).contains("No issuer certificate");
            }
            // Still there after a restart of the gateway: nothing was dropped.
            try (Outbox o =
                    Outbox.open(
                            "jdbc:h2:file:" + tmp.resolve("outbox"),
                            1 << 30,
                            Outbox.OverflowPolicy.BLOCK,
                            Outbox.Durability.PROCESS_CRASH)) {
                assertThat(o.stats().points()).isEqualTo(5000);
                assertThat(o.stats().quarantined()).isZero();
            }
            assertThat(rx.store().pointCount()).isZero();
        }
    }

    @Test
    void expiredClientCertificateIsRefusedAndTheOutboxKeepsEverything() throws Exception {
        PkiIssuer.issue(
                pki,
                "gw-old",
                Instant.now().minus(Duration.ofDays(30)),
                Instant.now().minus(Duration.ofDays(1)));
        try (Receiver rx = receiver(0)) {
            UplinkConfig cfg =
                    gateway(rx.port(), pki.gatewayCert("gw-old"), pki.gatewayKey("gw-old"));
            try (Uplink up = Uplink.start(cfg)) {
                up.sink().accept(numbered("plc", 0, 3000));
                assertRefusedAtHandshake(up, rx, 3000);
                assertThat(rx.stats().lastTlsFailure()).containsIgnoringCase("expired");
            }
        }
    }

    @Test
    void batchesForAnUnknownEnvelopeKeyAreRefusedAndQuarantined() throws Exception {
        Path otherKey = tmp.resolve("other-envelope.pub");
        PkiIssuer.writePem(
                otherKey, PkiIssuer.generate(UplinkPki.Algorithm.SM2).getPublic(), false);
        try (Receiver rx = receiver(0)) {
            UplinkConfig cfg = gateway(rx.port()).withReceiverEnvelopeKey(otherKey);
            try (Uplink up = Uplink.start(cfg)) {
                for (int i = 0; i < 3; i++) {
                    up.sink().accept(numbered("plc", i * 1000L, 1000));
                    up.flush();
                }
                assertThat(up.awaitDrained(Duration.ofSeconds(30))).isTrue();
                Uplink.Status s = up.status();
                assertThat(s.rejectedBatches()).isEqualTo(3);
                assertThat(s.outbox().quarantined()).as("kept, not deleted").isEqualTo(3);
                assertThat(s.lastError()).contains("UNKNOWN_RECIPIENT_KEY");
            }
            assertThat(rx.stats().rejectedByReason())
                    .containsEntry(EnvelopeRejected.Reason.UNKNOWN_RECIPIENT_KEY, 3L);
            assertThat(rx.store().pointCount()).isZero();
        }
    }

    /**
     * The gateway does not check the receiver's host name; it trusts only certificates of its CA
     * with extended key usage serverAuth. A stolen gateway certificate (clientAuth only) cannot
     * impersonate the receiver.
     */
    @Test
    void aGatewayCertificateCannotImpersonateTheReceiver() throws Exception {
        PkiIssuer.issue(
                pki, "gw-evil", Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
        Receiver.Config honest = Receiver.Config.fromPki(pki, "127.0.0.1", 0, rxDb, null);
        Receiver.Config fake =
                new Receiver.Config(
                        honest.host(),
                        0,
                        honest.tls()
                                .withIdentity(
                                        pki.gatewayCert("gw-evil"), pki.gatewayKey("gw-evil")),
                        honest.envelopeKeys(),
                        rxDb,
                        null,
                        false,
                        1,
                        Receiver.Config.DEFAULT_IDLE_TIMEOUT);
        try (Receiver rx = Receiver.start(fake);
                Uplink up = Uplink.start(gateway(rx.port()))) {
            up.sink().accept(numbered("plc", 0, 1000));
            up.flush();
            Thread.sleep(2000);
            assertThat(up.status().ackedBatches()).isZero();
            assertThat(up.status().lastError()).contains("TLS", "serverAuth");
            assertThat(up.status().outbox().points()).isEqualTo(1000);
            assertThat(rx.store().pointCount()).isZero();
        }
    }
}
