package io.weir.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.host.uplink.Envelope;
import io.weir.host.uplink.EnvelopeRejected;
import io.weir.host.uplink.EnvelopeRejected.Reason;
import io.weir.host.uplink.EnvelopeSealer;
import io.weir.host.uplink.PointBatch;
import io.weir.host.uplink.SamplePoints;
import io.weir.host.uplink.ShangMi;
import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvelopeTest {
    static KeyPair sm2() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC", ShangMi.provider());
        g.initialize(new ECGenParameterSpec("sm2p256v1"));
        return g.generateKeyPair();
    }

    @Test
    void roundTripSignedAndCompressed() throws Exception {
        KeyPair receiver = sm2();
        KeyPair gateway = sm2();
        EnvelopeSealer sealer =
                new EnvelopeSealer(
                        "gw-01", receiver.getPublic(), gateway.getPrivate(), new SecureRandom());
        byte[] payload = PointBatch.deflate(PointBatch.encode(SamplePoints.all()), 1);
        byte[] env = sealer.seal(1, 1234, payload, true);
        EnvelopeOpener opener =
                new EnvelopeOpener(
                        List.of(receiver.getPrivate()), List.of(receiver.getPublic()), true);
        EnvelopeOpener.Opened o = opener.open(env, "gw-01", gateway.getPublic());
        assertThat(o.envelope().seq()).isEqualTo(1);
        assertThat(o.envelope().epoch()).isEqualTo(sealer.epoch());
        assertThat(o.envelope().createdMs()).isEqualTo(1234);
        assertThat(o.points()).isEqualTo(SamplePoints.all());
        // The per-epoch key is wrapped once: same dek_id across batches, fresh nonce per batch.
        byte[] env2 = sealer.seal(2, 1235, payload, true);
        Envelope h1 = Envelope.parse(env);
        Envelope h2 = Envelope.parse(env2);
        assertThat(h2.dekId()).isEqualTo(h1.dekId());
        assertThat(h2.nonce()).isNotEqualTo(h1.nonce());
        long oldEpoch = sealer.epoch();
        sealer.newEpoch();
        assertThat(sealer.epoch()).isNotEqualTo(oldEpoch);
        Envelope h3 = Envelope.parse(sealer.seal(1, 1236, payload, true));
        assertThat(h3.dekId()).isNotEqualTo(h1.dekId());
    }

    @Test
    void unknownRecipientKeyIsRejected() throws Exception {
        KeyPair receiver = sm2();
        KeyPair other = sm2();
        EnvelopeSealer sealer =
                new EnvelopeSealer("gw", other.getPublic(), null, new SecureRandom());
        byte[] env = sealer.seal(1, 0, PointBatch.encode(SamplePoints.all()), false);
        EnvelopeOpener opener =
                new EnvelopeOpener(
                        List.of(receiver.getPrivate()), List.of(receiver.getPublic()), false);
        assertThatThrownBy(() -> opener.open(env, "gw", null))
                .isInstanceOfSatisfying(
                        EnvelopeRejected.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_RECIPIENT_KEY));
    }

    @Test
    void missingSignatureRejectedWhenRequired() throws Exception {
        KeyPair receiver = sm2();
        EnvelopeSealer sealer =
                new EnvelopeSealer("gw", receiver.getPublic(), null, new SecureRandom());
        byte[] env = sealer.seal(1, 0, PointBatch.encode(SamplePoints.all()), false);
        EnvelopeOpener strict =
                new EnvelopeOpener(
                        List.of(receiver.getPrivate()), List.of(receiver.getPublic()), true);
        assertThatThrownBy(() -> strict.open(env, "gw", null))
                .isInstanceOfSatisfying(
                        EnvelopeRejected.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.SIGNATURE_MISSING));
    }

    @Test
    void signatureFromAnotherGatewayKeyIsRejected() throws Exception {
        KeyPair receiver = sm2();
        KeyPair gateway = sm2();
        KeyPair impostor = sm2();
        EnvelopeSealer sealer =
                new EnvelopeSealer(
                        "gw", receiver.getPublic(), impostor.getPrivate(), new SecureRandom());
        byte[] env = sealer.seal(1, 0, PointBatch.encode(SamplePoints.all()), false);
        EnvelopeOpener opener =
                new EnvelopeOpener(
                        List.of(receiver.getPrivate()), List.of(receiver.getPublic()), true);
        assertThatThrownBy(() -> opener.open(env, "gw", gateway.getPublic()))
                .isInstanceOfSatisfying(
                        EnvelopeRejected.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.BAD_SIGNATURE));
    }

    /** Offsets of each field of a parsed envelope (UPLINK.md §4.2). */
    static Map<String, int[]> fields(byte[] env) throws Exception {
        Envelope e = Envelope.parse(env);
        Map<String, int[]> f = new LinkedHashMap<>();
        int o = 0;
        int gw = e.gatewayId().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        int[][] spans = {
            {o, 4},
            {4, 1},
            {5, 1},
            {6, 2},
            {8, 1},
            {9, gw},
            {9 + gw, 8},
            {17 + gw, 8},
            {25 + gw, 8},
            {33 + gw, 16},
            {49 + gw, 16},
            {65 + gw, 2},
            {67 + gw, e.wrappedDek().length},
        };
        String[] names = {
            "magic",
            "version",
            "suite",
            "flags",
            "gw_len",
            "gateway_id",
            "epoch",
            "seq",
            "created_ms",
            "recipient_kid",
            "dek_id",
            "wrapped_len",
            "wrapped_dek"
        };
        for (int i = 0; i < names.length; i++) {
            f.put(names[i], spans[i]);
        }
        int p = 67 + gw + e.wrappedDek().length;
        f.put("nonce", new int[] {p, 12});
        f.put("sig_len", new int[] {p + 12, 2});
        f.put("epoch_sig", new int[] {p + 14, e.epochSignature().length});
        f.put("ct_len", new int[] {e.aadLength() - 4, 4});
        f.put("ciphertext", new int[] {e.ciphertextOffset(), e.ciphertextLength() - 16});
        f.put("tag", new int[] {env.length - 16, 16});
        return f;
    }

    @Test
    void everyFlippedBitInEveryFieldIsRejectedWithItsReason() throws Exception {
        KeyPair receiver = sm2();
        KeyPair gateway = sm2();
        EnvelopeSealer sealer =
                new EnvelopeSealer(
                        "gw-01", receiver.getPublic(), gateway.getPrivate(), new SecureRandom());
        byte[] env =
                sealer.seal(
                        7, 99, PointBatch.deflate(PointBatch.encode(SamplePoints.all()), 1), true);
        EnvelopeOpener opener =
                new EnvelopeOpener(
                        List.of(receiver.getPrivate()), List.of(receiver.getPublic()), true);
        opener.open(env, "gw-01", gateway.getPublic()); // sanity: the untouched envelope opens
        Map<String, Reason> expected = new LinkedHashMap<>();
        expected.put("magic", Reason.BAD_MAGIC);
        expected.put("version", Reason.UNSUPPORTED_VERSION);
        expected.put("suite", Reason.UNSUPPORTED_SUITE);
        expected.put("gateway_id", Reason.GATEWAY_MISMATCH);
        expected.put("epoch", Reason.BAD_SIGNATURE);
        expected.put("seq", Reason.AUTH_TAG_MISMATCH);
        expected.put("created_ms", Reason.AUTH_TAG_MISMATCH);
        expected.put("recipient_kid", Reason.UNKNOWN_RECIPIENT_KEY);
        expected.put("dek_id", Reason.DEK_ID_MISMATCH);
        expected.put("wrapped_dek", Reason.DEK_ID_MISMATCH);
        expected.put("nonce", Reason.AUTH_TAG_MISMATCH);
        expected.put("epoch_sig", Reason.BAD_SIGNATURE);
        expected.put("ciphertext", Reason.AUTH_TAG_MISMATCH);
        expected.put("tag", Reason.AUTH_TAG_MISMATCH);
        Map<String, int[]> fields = fields(env);
        int checked = 0;
        for (Map.Entry<String, int[]> f : fields.entrySet()) {
            int[] span = f.getValue();
            for (int i = span[0]; i < span[0] + span[1]; i++) {
                for (int bit = 0; bit < 8; bit += 7) {
                    byte[] bad = env.clone();
                    bad[i] ^= (byte) (1 << bit);
                    try {
                        opener.open(bad, "gw-01", gateway.getPublic());
                        throw new AssertionError(
                                "flipped bit "
                                        + bit
                                        + " of byte "
                                        + i
                                        + " ("
                                        + f.getKey()
                                        + ") was accepted");
                    } catch (EnvelopeRejected e) {
                        checked++;
                        Reason want = expected.get(f.getKey());
                        if (want != null) {
                            assertThat(e.reason())
                                    .as(
                                            "field %s byte %d bit %d: %s",
                                            f.getKey(), i, bit, e.getMessage())
                                    .isEqualTo(want);
                        }
                        assertThat(e.getMessage()).isNotBlank();
                    }
                }
            }
        }
        assertThat(checked).isEqualTo(env.length * 2);
        assertThat(fields.get("tag")[0] + 16).isEqualTo(env.length);
    }

    @Test
    void truncatedAndExtendedEnvelopesAreMalformed() throws Exception {
        KeyPair receiver = sm2();
        EnvelopeSealer sealer =
                new EnvelopeSealer("gw", receiver.getPublic(), null, new SecureRandom());
        byte[] env = sealer.seal(1, 0, PointBatch.encode(SamplePoints.all()), false);
        EnvelopeOpener opener =
                new EnvelopeOpener(
                        List.of(receiver.getPrivate()), List.of(receiver.getPublic()), false);
        for (int len : new int[] {0, 3, 10, 60, env.length - 1}) {
            byte[] cut = java.util.Arrays.copyOf(env, len);
            assertThatThrownBy(() -> opener.open(cut, "gw", null))
                    .isInstanceOfSatisfying(
                            EnvelopeRejected.class,
                            e -> assertThat(e.reason()).isIn(Reason.MALFORMED, Reason.BAD_MAGIC));
        }
        byte[] longer = java.util.Arrays.copyOf(env, env.length + 1);
        assertThatThrownBy(() -> opener.open(longer, "gw", null))
                .isInstanceOfSatisfying(
                        EnvelopeRejected.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED));
    }

    @Test
    void headerLayoutMatchesUplinkMdExample() throws Exception {
        KeyPair receiver = sm2();
        EnvelopeSealer sealer =
                new EnvelopeSealer("gw", receiver.getPublic(), null, new SecureRandom());
        byte[] env =
                sealer.seal(0x0102030405060708L, 0x1122334455667788L, new byte[] {1, 2, 3}, false);
        ByteBuffer bb = ByteBuffer.wrap(env);
        assertThat(bb.getInt()).isEqualTo(0x534D4531);
        assertThat(bb.get()).isEqualTo((byte) 1);
        assertThat(bb.get()).isEqualTo((byte) 1);
        assertThat(bb.getShort()).isEqualTo((short) 0);
        assertThat(bb.get()).isEqualTo((byte) 2);
        assertThat(bb.get()).isEqualTo((byte) 'g');
        assertThat(bb.get()).isEqualTo((byte) 'w');
        assertThat(bb.getLong()).isEqualTo(sealer.epoch());
        assertThat(bb.getLong()).isEqualTo(0x0102030405060708L);
        assertThat(bb.getLong()).isEqualTo(0x1122334455667788L);
        bb.position(bb.position() + 32);
        // Raw SM2 C1||C3||C2 of a 16-byte key: 65 + 32 + 16 = 113 bytes, starting 0x04.
        assertThat(bb.getShort()).isEqualTo((short) 113);
        assertThat(bb.get()).isEqualTo((byte) 0x04);
        bb.position(bb.position() + 112 + 12);
        assertThat(bb.getShort()).isEqualTo((short) 0);
        assertThat(bb.getInt()).isEqualTo(3 + 16);
        assertThat(env.length).isEqualTo(bb.position() + 19);
        assertThat(bb.position()).isEqualTo(11 + 24 + 32 + 2 + 113 + 12 + 2 + 4);
    }
}
