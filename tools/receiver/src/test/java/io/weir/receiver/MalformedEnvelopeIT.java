package io.weir.receiver;

import static io.weir.receiver.UplinkLoopbackIT.numbered;
import static io.weir.receiver.UplinkLoopbackIT.values;
import static org.assertj.core.api.Assertions.assertThat;

import io.weir.host.uplink.Envelope;
import io.weir.host.uplink.EnvelopeRejected.Reason;
import io.weir.host.uplink.Outbox;
import io.weir.host.uplink.PointBatch;
import io.weir.host.uplink.Uplink;
import io.weir.host.uplink.UplinkConfig;
import io.weir.host.uplink.UplinkPki;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bouncycastle.crypto.engines.SM2Engine;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.jcajce.provider.asymmetric.util.ECUtil;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every malformed envelope is refused for good: the real receiver answers REJECTED with the reason
 * (never RETRY_LATER, which would make the gateway resend it forever), and the real gateway moves
 * the batch to its quarantine and delivers the batches around it. Each case replaces the stored
 * bytes of the middle one of three batches in the gateway's outbox before the receiver starts.
 */
class MalformedEnvelopeIT {
    @TempDir Path tmp;

    /** Makes the replacement bytes for the victim batch. */
    @FunctionalInterface
    interface Tamper {
        byte[] apply(Outbox.Row victim, Ctx ctx) throws Exception;
    }

    /** What a tamper may use: the PKI and the openssl command. */
    record Ctx(UplinkPki pki, OpenSslCli openssl) {
        PublicKey envelopeKey() throws Exception {
            return UplinkPki.readPublicKey(pki.envelopePublicKey());
        }

        /** An envelope for the victim's (epoch, seq) whose wrapped DEK is {@code wrapped}. */
        byte[] sealWith(Outbox.Row victim, byte[] wrapped, byte[] dek) throws Exception {
            return Sme1.of(
                            "gw-01",
                            victim.epoch(),
                            victim.seq(),
                            envelopeKey(),
                            wrapped,
                            UplinkPki.readPrivateKey(pki.gatewayKey("gw-01")),
                            false)
                    .seal(PointBatch.encode(numbered("plc", 1000, 1000)), Sme1.bouncyCastle(dek));
        }

        /** Weir's own wrapping of {@code dek}: raw 04 || x || y || C3 || C2, 113 bytes. */
        byte[] rawWrap(byte[] dek) throws Exception {
            SM2Engine sm2 = new SM2Engine(SM2Engine.Mode.C1C3C2);
            sm2.init(
                    true,
                    new ParametersWithRandom(
                            ECUtil.generatePublicKeyParameter(envelopeKey()), new SecureRandom()));
            return sm2.processBlock(dek, 0, dek.length);
        }
    }

    static byte[] dek() {
        byte[] k = new byte[16];
        new SecureRandom().nextBytes(k);
        return k;
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(
                        "wrapped key in OpenSSL's DER form (GM/T 0009 SM2Cipher)",
                        Reason.MALFORMED,
                        "DER SM2Cipher",
                        (Tamper)
                                (v, c) -> {
                                    byte[] dek = dek();
                                    c.openssl().file("dek", dek);
                                    byte[] der =
                                            c.openssl()
                                                    .run(
                                                            "pkeyutl",
                                                            "-encrypt",
                                                            "-pubin",
                                                            "-inkey",
                                                            c.pki().envelopePublicKey().toString(),
                                                            "-in",
                                                            "dek");
                                    assertThat(der[0]).as("DER SEQUENCE").isEqualTo((byte) 0x30);
                                    return c.sealWith(v, der, dek);
                                }),
                Arguments.of(
                        "wrapped key without the 0x04 prefix of C1",
                        Reason.MALFORMED,
                        "wrapped_len 112",
                        (Tamper)
                                (v, c) -> {
                                    byte[] dek = dek();
                                    byte[] raw = c.rawWrap(dek);
                                    return c.sealWith(
                                            v, Arrays.copyOfRange(raw, 1, raw.length), dek);
                                }),
                Arguments.of(
                        "wrapped key whose C1 is off the curve",
                        Reason.DEK_UNWRAP_FAILED,
                        "not a point of sm2p256v1",
                        (Tamper)
                                (v, c) -> {
                                    byte[] dek = dek();
                                    byte[] raw = c.rawWrap(dek);
                                    raw[64] ^= 0x01; // last byte of y
                                    return c.sealWith(v, raw, dek);
                                }),
                Arguments.of(
                        "wrapped key of the wrong length",
                        Reason.MALFORMED,
                        "wrapped_len 114",
                        (Tamper)
                                (v, c) -> {
                                    byte[] dek = dek();
                                    byte[] raw = c.rawWrap(dek);
                                    return c.sealWith(v, Arrays.copyOf(raw, raw.length + 1), dek);
                                }),
                Arguments.of(
                        "envelope truncated inside the seq field",
                        Reason.MALFORMED,
                        "ends inside field seq",
                        (Tamper) (v, c) -> Arrays.copyOf(v.envelope(), 9 + 5 + 8 + 3)),
                Arguments.of(
                        "envelope truncated inside the wrapped_len field",
                        Reason.MALFORMED,
                        "ends inside field wrapped_len",
                        (Tamper) (v, c) -> Arrays.copyOf(v.envelope(), 9 + 5 + 56 + 1)),
                Arguments.of(
                        "envelope truncated inside the ct_len field",
                        Reason.MALFORMED,
                        "ends inside field ct_len",
                        (Tamper)
                                (v, c) ->
                                        Arrays.copyOf(
                                                v.envelope(),
                                                Envelope.parse(v.envelope()).aadLength() - 2)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isRejectedWithItsReasonAndQuarantinedByTheGateway(
            String what, Reason reason, String message, Tamper tamper) throws Exception {
        UplinkPki pki = PkiIssuer.init(tmp.resolve("pki"), UplinkPki.Algorithm.SM2, "gw-01");
        int port = UplinkFaultsIT.freePort();
        UplinkConfig cfg =
                UplinkConfig.forGateway(
                                pki,
                                "gw-01",
                                "127.0.0.1",
                                port,
                                "jdbc:h2:file:" + tmp.resolve("outbox"))
                        .withBatching(new UplinkConfig.Batching(1000, Duration.ofMillis(50), 8))
                        .withBackoff(
                                new UplinkConfig.Backoff(
                                        Duration.ofMillis(100),
                                        Duration.ofSeconds(1),
                                        Duration.ofSeconds(30)));
        try (Uplink up = Uplink.start(cfg)) {
            for (int i = 0; i < 3; i++) {
                up.sink().accept(numbered("plc", i * 1000L, 1000));
                up.flush();
            }
            Outbox.Row victim = up.outbox().after(0, 3).get(1);
            byte[] bad = tamper.apply(victim, new Ctx(pki, new OpenSslCli(tmp)));
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
            try (Receiver rx =
                    Receiver.start(
                            Receiver.Config.fromPki(
                                    pki,
                                    "127.0.0.1",
                                    port,
                                    "jdbc:h2:file:" + tmp.resolve("ingest"),
                                    null))) {
                assertThat(up.awaitDrained(Duration.ofSeconds(30)))
                        .as("drained: %s", up.status())
                        .isTrue();
                assertThat(rx.stats().rejectedByReason()).containsExactly(Map.entry(reason, 1L));
                assertThat(rx.stats().lastRejection()).contains(message);
                Uplink.Status s = up.status();
                assertThat(s.rejectedBatches()).isEqualTo(1);
                assertThat(s.ackedBatches()).isEqualTo(2);
                assertThat(s.outbox().quarantined()).isEqualTo(1);
                assertThat(s.lastError()).contains(reason.name(), message);
                String quarantined =
                        up.outbox()
                                .withConnection(
                                        c -> {
                                            try (var rs =
                                                    c.createStatement()
                                                            .executeQuery(
                                                                    "SELECT seq, reason FROM outbox_quarantine")) {
                                                assertThat(rs.next()).isTrue();
                                                assertThat(rs.getLong(1)).isEqualTo(victim.seq());
                                                return rs.getString(2);
                                            }
                                        });
                assertThat(quarantined).startsWith(reason.name()).contains(message);
                List<Long> expected = new ArrayList<>();
                for (long v = 0; v < 3000; v++) {
                    if (v < 1000 || v >= 2000) {
                        expected.add(v);
                    }
                }
                assertThat(values(rx.store(), "gw-01", "plc")).isEqualTo(expected);
            }
        }
    }
}
