package io.weir.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import com.tencent.kona.crypto.KonaCryptoProvider;
import io.weir.host.points.Point;
import io.weir.host.uplink.Envelope;
import io.weir.host.uplink.EnvelopeSealer;
import io.weir.host.uplink.PointBatch;
import io.weir.host.uplink.SamplePoints;
import io.weir.host.uplink.UplinkPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.util.BigIntegers;

/**
 * Whole SME1 envelopes across implementations (UPLINK.md §13 "Interop"): Weir seals and another
 * library opens, the other library seals and Weir's {@link EnvelopeOpener} opens. The other library
 * does every SM2 and SM3 step (key id, wrapped DEK, dek_id, epoch signature); SM4-GCM, which
 * neither OpenSSL 3.0 nor sm-crypto has, is kona-crypto's for all of them.
 */
final class EnvelopeInterop {
    static final Provider KONA = new KonaCryptoProvider();
    static final HexFormat HEX = HexFormat.of();

    /** The receiver's envelope key pair and a gateway's key pair, from a real PKI folder. */
    record Keys(
            UplinkPki pki,
            PublicKey envelopePublic,
            PrivateKey envelopePrivate,
            PublicKey gatewayPublic,
            PrivateKey gatewayPrivate) {
        static Keys create(Path dir) throws Exception {
            UplinkPki pki = PkiIssuer.init(dir, UplinkPki.Algorithm.SM2, "gw-01");
            return new Keys(
                    pki,
                    UplinkPki.readPublicKey(pki.envelopePublicKey()),
                    UplinkPki.readPrivateKey(pki.envelopePrivateKey()),
                    UplinkPki.readCertificate(pki.gatewayCert("gw-01")).getPublicKey(),
                    UplinkPki.readPrivateKey(pki.gatewayKey("gw-01")));
        }
    }

    /**
     * One other implementation, in its own conventions. {@code wrap}/{@code unwrap} take and give
     * the envelope's form (raw 04 || x || y || C3 || C2): the peer converts from and to its own.
     */
    interface Peer {
        byte[] sm3(byte[] data) throws Exception;

        /** SM2-encrypts {@code dek} for the receiver; returns the envelope form. */
        byte[] wrap(byte[] dek) throws Exception;

        /** SM2-decrypts an envelope-form wrapped key with the receiver's private key. */
        byte[] unwrap(byte[] wrapped) throws Exception;

        /** SM3withSM2 by the gateway key with user ID 1234567812345678 (GM/T 0009), DER. */
        byte[] sign(byte[] message) throws Exception;

        /** Verifies an SM3withSM2 signature by the gateway key, user ID 1234567812345678. */
        boolean verify(byte[] message, byte[] signature) throws Exception;
    }

    private EnvelopeInterop() {}

    /** Weir seals a signed, deflated batch; {@code peer} (with kona's SM4-GCM) opens it. */
    static void weirSealsPeerOpens(Keys k, Peer peer) throws Exception {
        EnvelopeSealer sealer =
                new EnvelopeSealer(
                        "gw-01", k.envelopePublic(), k.gatewayPrivate(), new SecureRandom());
        byte[] plain = PointBatch.encode(SamplePoints.all());
        byte[] env = sealer.seal(42, 1_700_000_000_000L, PointBatch.deflate(plain, 1), true);
        Envelope e = Envelope.parse(env);
        assertThat(e.recipientKid())
                .as("recipient_kid = SM3(SPKI)[0..16]")
                .isEqualTo(Arrays.copyOf(peer.sm3(k.envelopePublic().getEncoded()), 16));
        assertThat(e.dekId())
                .as("dek_id = SM3(wrapped_dek)[0..16]")
                .isEqualTo(Arrays.copyOf(peer.sm3(e.wrappedDek()), 16));
        byte[] signed =
                Envelope.epochSignedBytes(
                        "gw-01", e.epoch(), e.recipientKid(), e.dekId(), e.wrappedDek());
        assertThat(peer.verify(signed, e.epochSignature())).as("epoch signature").isTrue();
        byte[] dek = peer.unwrap(e.wrappedDek());
        assertThat(dek).hasSize(16);
        Cipher gcm = Cipher.getInstance("SM4/GCM/NoPadding", KONA);
        gcm.init(
                Cipher.DECRYPT_MODE,
                new SecretKeySpec(dek, "SM4"),
                new GCMParameterSpec(128, e.nonce()));
        gcm.updateAAD(env, 0, e.aadLength());
        byte[] payload = gcm.doFinal(env, e.ciphertextOffset(), e.ciphertextLength());
        assertThat(PointBatch.decode(PointBatch.inflate(payload))).isEqualTo(SamplePoints.all());
    }

    /** {@code peer} (with kona's SM4-GCM) seals a signed batch; Weir's opener opens it. */
    static List<Point> peerSealsWeirOpens(Keys k, Peer peer) throws Exception {
        byte[] dek = new byte[16];
        new SecureRandom().nextBytes(dek);
        byte[] wrapped = peer.wrap(dek);
        byte[] kid = Arrays.copyOf(peer.sm3(k.envelopePublic().getEncoded()), 16);
        byte[] dekId = Arrays.copyOf(peer.sm3(wrapped), 16);
        long epoch = new SecureRandom().nextLong() | 1;
        byte[] sig = peer.sign(Envelope.epochSignedBytes("gw-01", epoch, kid, dekId, wrapped));
        byte[] nonce = new byte[12];
        new SecureRandom().nextBytes(nonce);
        Sme1 h =
                new Sme1(
                        1,
                        1,
                        Envelope.FLAG_EPOCH_SIGNATURE,
                        "gw-01".getBytes(StandardCharsets.UTF_8),
                        epoch,
                        1,
                        1_700_000_000_000L,
                        kid,
                        dekId,
                        wrapped,
                        nonce,
                        sig);
        byte[] env = h.seal(PointBatch.encode(SamplePoints.all()), konaGcm(dek));
        EnvelopeOpener opener =
                new EnvelopeOpener(List.of(k.envelopePrivate()), List.of(k.envelopePublic()), true);
        EnvelopeOpener.Opened o = opener.open(env, "gw-01", k.gatewayPublic());
        assertThat(o.points()).isEqualTo(SamplePoints.all());
        assertThat(o.envelope().epoch()).isEqualTo(epoch);
        return o.points();
    }

    /** SM4-GCM by kona-crypto. */
    static Sme1.Gcm konaGcm(byte[] dek) {
        return (nonce, aad, plaintext) -> {
            Cipher c = Cipher.getInstance("SM4/GCM/NoPadding", KONA);
            c.init(
                    Cipher.ENCRYPT_MODE,
                    new SecretKeySpec(dek, "SM4"),
                    new GCMParameterSpec(128, nonce));
            c.updateAAD(aad);
            return c.doFinal(plaintext);
        };
    }

    /** 04 || x || y of an EC public key. */
    static byte[] point(PublicKey key) {
        return ((org.bouncycastle.jce.interfaces.ECPublicKey) key).getQ().getEncoded(false);
    }

    /** The 32-byte private scalar d. */
    static byte[] scalar(PrivateKey key) {
        return BigIntegers.asUnsignedByteArray(
                32, ((java.security.interfaces.ECPrivateKey) key).getS());
    }
}
