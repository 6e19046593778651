package io.weir.host.uplink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.engines.SM2Engine;
import org.bouncycastle.jcajce.provider.asymmetric.util.ECUtil;
import org.junit.jupiter.api.Test;

/**
 * The sealing side of the SME1 envelope (UPLINK.md §4), checked without the receiver: the data key
 * is unwrapped with the receiver's private key and the batch opened with the JCA's SM4-GCM, so a
 * sealer that writes a wrong header, nonce, key or AAD cannot open here. The receiver's own opener
 * is tested in tools/receiver.
 */
class EnvelopeSealerTest {
    static KeyPair keyPair(String curve) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC", ShangMi.provider());
        g.initialize(new ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }

    static KeyPair sm2() throws Exception {
        return keyPair("sm2p256v1");
    }

    /** The data key, unwrapped from the header with the receiver's private key. */
    static byte[] unwrap(KeyPair receiver, byte[] wrapped) throws Exception {
        SM2Engine sm2 = new SM2Engine(SM2Engine.Mode.C1C3C2);
        sm2.init(false, ECUtil.generatePrivateKeyParameter(receiver.getPrivate()));
        return sm2.processBlock(wrapped, 0, wrapped.length);
    }

    /** The authenticated plaintext: AAD is the whole header up to and including ct_len. */
    static byte[] open(KeyPair receiver, byte[] env) throws Exception {
        Envelope e = Envelope.parse(env);
        Cipher c = Cipher.getInstance("SM4/GCM/NoPadding", ShangMi.provider());
        c.init(
                Cipher.DECRYPT_MODE,
                new SecretKeySpec(unwrap(receiver, e.wrappedDek()), "SM4"),
                new GCMParameterSpec(128, e.nonce()));
        c.updateAAD(env, 0, e.aadLength());
        return c.doFinal(env, e.ciphertextOffset(), e.ciphertextLength());
    }

    @Test
    void aSealedBatchOpensWithTheReceiversKeyToExactlyItsPayload() throws Exception {
        KeyPair receiver = sm2();
        EnvelopeSealer sealer =
                new EnvelopeSealer("gw-01", receiver.getPublic(), null, new SecureRandom());
        byte[] payload = PointBatch.encode(SamplePoints.all());
        byte[] env = sealer.seal(5, 6, payload, false);
        assertThat(open(receiver, env)).isEqualTo(payload);
        assertThat(PointBatch.decode(open(receiver, env))).isEqualTo(SamplePoints.all());

        Envelope h = Envelope.parse(env);
        assertThat(h.version()).isEqualTo(1);
        assertThat(h.suite()).isEqualTo(1);
        assertThat(h.flags()).isZero();
        assertThat(h.gatewayId()).isEqualTo("gw-01");
        assertThat(h.epoch()).isEqualTo(sealer.epoch()).isNotZero();
        assertThat(h.seq()).isEqualTo(5);
        assertThat(h.createdMs()).isEqualTo(6);
        assertThat(h.recipientKid()).isEqualTo(ShangMi.keyId(receiver.getPublic()));
        assertThat(h.dekId()).isEqualTo(Arrays.copyOf(ShangMi.sm3(h.wrappedDek()), 16));
        assertThat(h.epochSignature()).isEmpty();
        assertThat(h.ciphertextLength()).isEqualTo(payload.length + 16);
        assertThat(h.aadLength() + h.ciphertextLength()).isEqualTo(env.length);
        assertThat(h.key()).isEqualTo("gw-01/" + Long.toUnsignedString(sealer.epoch(), 16) + "/5");

        // The next batch of the epoch: same wrapped key, fresh nonce, still deflated bytes.
        byte[] deflated = PointBatch.deflate(payload, 1);
        byte[] env2 = sealer.seal(6, 7, deflated, true);
        Envelope h2 = Envelope.parse(env2);
        assertThat(h2.flags()).isEqualTo(Envelope.FLAG_DEFLATE);
        assertThat(open(receiver, env2)).isEqualTo(deflated);
        assertThat(h2.dekId()).isEqualTo(h.dekId());
        assertThat(h2.wrappedDek()).isEqualTo(h.wrappedDek());
        assertThat(h2.nonce()).isNotEqualTo(h.nonce()).isNotEqualTo(new byte[12]);
        assertThat(sealer.batchesInEpoch()).isEqualTo(2);
    }

    /**
     * A flipped bit in any header field the parser accepts as it comes (gateway id, epoch, seq,
     * created_ms, key ids, nonce) or in the ciphertext fails the tag: the header is the AAD.
     */
    @Test
    void theWholeHeaderIsAuthenticated() throws Exception {
        KeyPair receiver = sm2();
        byte[] env =
                new EnvelopeSealer("gw", receiver.getPublic(), null, new SecureRandom())
                        .seal(1, 2, new byte[] {1, 2, 3}, false);
        // gateway_id at 9, epoch .. dek_id from 11, wrapped_len at 67, nonce at 182, aad 200.
        int aad = Envelope.parse(env).aadLength();
        assertThat(aad).isEqualTo(200);
        int flipped = 0;
        for (int[] range : new int[][] {{9, 67}, {182, 194}, {200, env.length}}) {
            for (int i = range[0]; i < range[1]; i++) {
                byte[] bad = env.clone();
                bad[i] ^= 0x01;
                int at = i;
                assertThatThrownBy(() -> open(receiver, bad))
                        .as("bit flipped at byte %d", at)
                        .isInstanceOf(javax.crypto.AEADBadTagException.class);
                flipped++;
            }
        }
        assertThat(flipped).isEqualTo(58 + 12 + 19);
    }

    @Test
    void theHeaderIsUplinkMdsLayoutByteForByte() throws Exception {
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
        byte[] kid = new byte[16];
        bb.get(kid);
        assertThat(kid).isEqualTo(sealer.recipientKid());
        bb.position(bb.position() + 16);
        assertThat(bb.getShort()).isEqualTo((short) 113);
        assertThat(bb.get()).isEqualTo((byte) 0x04);
        bb.position(bb.position() + 112 + 12);
        assertThat(bb.getShort()).isEqualTo((short) 0);
        assertThat(bb.getInt()).isEqualTo(3 + 16);
        assertThat(bb.position()).isEqualTo(9 + 2 + 24 + 32 + 2 + 113 + 12 + 2 + 4);
        assertThat(env.length).isEqualTo(bb.position() + 19);

        Envelope h = Envelope.parse(env);
        assertThat(h.seq()).isEqualTo(0x0102030405060708L);
        assertThat(h.createdMs()).isEqualTo(0x1122334455667788L);
        assertThat(h.aadLength()).isEqualTo(bb.position());
        assertThat(h.ciphertextOffset()).isEqualTo(bb.position());
    }

    /** A signing key adds the per-epoch origin signature (UPLINK.md §4.4), SM2 or P-256. */
    @Test
    void aSigningKeySignsEachEpochOnce() throws Exception {
        KeyPair receiver = sm2();
        for (String curve : new String[] {"sm2p256v1", "secp256r1"}) {
            KeyPair gateway = keyPair(curve);
            EnvelopeSealer sealer =
                    new EnvelopeSealer(
                            "gw-01",
                            receiver.getPublic(),
                            gateway.getPrivate(),
                            new SecureRandom());
            byte[] payload = PointBatch.encode(SamplePoints.all());
            byte[] env = sealer.seal(1, 0, payload, false);
            Envelope h = Envelope.parse(env);
            assertThat(h.flags()).isEqualTo(Envelope.FLAG_EPOCH_SIGNATURE);
            assertThat(open(receiver, env)).isEqualTo(payload);
            byte[] signed =
                    Envelope.epochSignedBytes(
                            "gw-01", h.epoch(), h.recipientKid(), h.dekId(), h.wrappedDek());
            assertThat(ShangMi.verify(gateway.getPublic(), signed, h.epochSignature()))
                    .as(curve)
                    .isTrue();
            Envelope h2 = Envelope.parse(sealer.seal(2, 0, payload, true));
            assertThat(h2.flags()).isEqualTo(Envelope.FLAG_EPOCH_SIGNATURE | Envelope.FLAG_DEFLATE);
            assertThat(h2.epochSignature()).isEqualTo(h.epochSignature());

            sealer.newEpoch();
            Envelope h3 = Envelope.parse(sealer.seal(1, 0, payload, false));
            assertThat(h3.epoch()).isNotEqualTo(h.epoch());
            assertThat(
                            ShangMi.verify(
                                    gateway.getPublic(),
                                    Envelope.epochSignedBytes(
                                            "gw-01",
                                            h3.epoch(),
                                            h3.recipientKid(),
                                            h3.dekId(),
                                            h3.wrappedDek()),
                                    h3.epochSignature()))
                    .isTrue();
            assertThat(ShangMi.verify(gateway.getPublic(), signed, h3.epochSignature()))
                    .as("a signature binds its epoch")
                    .isFalse();
        }
    }

    /** Each epoch, at every start and every rotation, draws a fresh random data key. */
    @Test
    void everyEpochDrawsAFreshRandomDataKey() throws Exception {
        KeyPair receiver = sm2();
        Set<String> keys = new HashSet<>();
        Set<Long> epochs = new HashSet<>();
        Set<String> dekIds = new HashSet<>();
        for (int start = 0; start < 2; start++) {
            EnvelopeSealer sealer =
                    new EnvelopeSealer("gw-01", receiver.getPublic(), null, new SecureRandom());
            for (int rotation = 0; rotation < 3; rotation++) {
                byte[] env = sealer.seal(1, 0, new byte[] {1}, false);
                Envelope e = Envelope.parse(env);
                byte[] dek = unwrap(receiver, e.wrappedDek());
                assertThat(dek).hasSize(16).isNotEqualTo(new byte[16]);
                assertThat(open(receiver, env)).containsExactly(1);
                keys.add(Envelope.hex(dek));
                epochs.add(e.epoch());
                dekIds.add(Envelope.hex(e.dekId()));
                assertThat(e.epoch()).isNotZero();
                sealer.newEpoch();
                assertThat(sealer.batchesInEpoch()).isZero();
            }
        }
        assertThat(keys).as("distinct data keys").hasSize(6);
        assertThat(epochs).as("distinct epochs").hasSize(6);
        assertThat(dekIds).as("distinct key ids").hasSize(6);
    }

    /** A random source that draws zero: the sealer must still never use epoch 0. */
    @Test
    void epochZeroIsNeverUsed() throws Exception {
        KeyPair receiver = sm2();
        SecureRandom zeroFirst =
                new SecureRandom() {
                    int calls;

                    @Override
                    public long nextLong() {
                        return calls++ < 3 ? 0 : 0x1234;
                    }
                };
        EnvelopeSealer sealer = new EnvelopeSealer("gw", receiver.getPublic(), null, zeroFirst);
        assertThat(sealer.epoch()).isEqualTo(0x1234);
        assertThat(Envelope.parse(sealer.seal(1, 0, new byte[] {1}, false)).epoch())
                .isEqualTo(0x1234);
    }

    @Test
    void theSealerCountsBatchesPerEpochAndHandsOutACopyOfTheKeyId() throws Exception {
        KeyPair receiver = sm2();
        EnvelopeSealer sealer =
                new EnvelopeSealer("gw", receiver.getPublic(), null, new SecureRandom());
        assertThat(sealer.batchesInEpoch()).isZero();
        for (int i = 1; i <= 3; i++) {
            sealer.seal(i, 0, new byte[] {1}, false);
        }
        assertThat(sealer.batchesInEpoch()).isEqualTo(3);
        byte[] kid = sealer.recipientKid();
        assertThat(kid)
                .isEqualTo(Arrays.copyOf(ShangMi.sm3(receiver.getPublic().getEncoded()), 16));
        kid[0] ^= 1;
        assertThat(sealer.recipientKid()).as("a copy").isNotEqualTo(kid);
    }

    @Test
    void theSealerRefusesBadGatewayIdsAndNonSm2Keys() throws Exception {
        KeyPair receiver = sm2();
        for (String good : new String[] {"g", "g".repeat(64), "é".repeat(32)}) {
            byte[] env =
                    new EnvelopeSealer(good, receiver.getPublic(), null, new SecureRandom())
                            .seal(1, 0, new byte[] {1}, false);
            assertThat(Envelope.parse(env).gatewayId()).isEqualTo(good);
        }
        for (String bad : new String[] {"", "g".repeat(65), "é".repeat(33)}) {
            assertThatThrownBy(
                            () ->
                                    new EnvelopeSealer(
                                            bad, receiver.getPublic(), null, new SecureRandom()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("gateway id must be 1..64 UTF-8 bytes");
        }
        PublicKey p256 = keyPair("secp256r1").getPublic();
        assertThatThrownBy(() -> new EnvelopeSealer("gw", p256, null, new SecureRandom()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "the receiver envelope key must be an SM2 (sm2p256v1) public key, got EC");
    }
}
