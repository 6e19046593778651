package io.weir.receiver;

import static io.weir.receiver.EnvelopeInterop.KONA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tencent.kona.crypto.provider.SM2PrivateKey;
import com.tencent.kona.crypto.provider.SM2PublicKey;
import com.tencent.kona.crypto.spec.SM2SignatureParameterSpec;
import io.weir.host.uplink.EnvelopeRejected;
import io.weir.host.uplink.EnvelopeRejected.Reason;
import io.weir.host.uplink.ShangMi;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.BufferedBlockCipher;
import org.bouncycastle.crypto.DefaultBufferedBlockCipher;
import org.bouncycastle.crypto.engines.SM4Engine;
import org.bouncycastle.crypto.modes.CBCBlockCipher;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weir's ShangMi (Bouncy Castle, as the sealer and opener use it) against Tencent's kona-crypto, in
 * both directions: SM3, SM4 (ECB, CBC), SM4-GCM with AAD, SM2 signatures with the default user ID,
 * SM2 encryption, and whole SME1 envelopes. kona writes SM2 ciphertexts as the DER {@code
 * SM2Cipher} of GM/T 0009; the envelope wants raw C1C3C2, so the test converts (UPLINK.md §4.2).
 */
class KonaInteropTest {
    @TempDir Path tmp;
    EnvelopeInterop.Keys keys;
    EnvelopeInterop.Peer kona;

    @BeforeEach
    void setUp() throws Exception {
        keys = EnvelopeInterop.Keys.create(tmp.resolve("pki"));
        SM2PublicKey receiverPub = new SM2PublicKey((ECPublicKey) keys.envelopePublic());
        SM2PrivateKey receiverPriv = new SM2PrivateKey((ECPrivateKey) keys.envelopePrivate());
        SM2PublicKey gatewayPub = new SM2PublicKey((ECPublicKey) keys.gatewayPublic());
        SM2PrivateKey gatewayPriv = new SM2PrivateKey((ECPrivateKey) keys.gatewayPrivate());
        kona =
                new EnvelopeInterop.Peer() {
                    @Override
                    public byte[] sm3(byte[] data) throws Exception {
                        return MessageDigest.getInstance("SM3", KONA).digest(data);
                    }

                    @Override
                    public byte[] wrap(byte[] dek) throws Exception {
                        Cipher c = Cipher.getInstance("SM2", KONA);
                        c.init(Cipher.ENCRYPT_MODE, receiverPub);
                        return Sm2Ciphertext.derToRaw(c.doFinal(dek));
                    }

                    @Override
                    public byte[] unwrap(byte[] wrapped) throws Exception {
                        Cipher c = Cipher.getInstance("SM2", KONA);
                        c.init(Cipher.DECRYPT_MODE, receiverPriv);
                        return c.doFinal(Sm2Ciphertext.rawToDer(wrapped));
                    }

                    @Override
                    public byte[] sign(byte[] message) throws Exception {
                        Signature s = Signature.getInstance("SM2", KONA);
                        s.setParameter(new SM2SignatureParameterSpec(gatewayPub));
                        s.initSign(gatewayPriv);
                        s.update(message);
                        return s.sign();
                    }

                    @Override
                    public boolean verify(byte[] message, byte[] signature) throws Exception {
                        Signature s = Signature.getInstance("SM2", KONA);
                        s.setParameter(new SM2SignatureParameterSpec(gatewayPub));
                        s.initVerify(gatewayPub);
                        s.update(message);
                        return s.verify(signature);
                    }
                };
    }

    @Test
    void weirSealsKonaOpens() throws Exception {
        EnvelopeInterop.weirSealsPeerOpens(keys, kona);
    }

    @Test
    void konaSealsWeirOpens() throws Exception {
        EnvelopeInterop.peerSealsWeirOpens(keys, kona);
    }

    @Test
    void sm3() throws Exception {
        Random r = new Random(7);
        for (int len : new int[] {0, 1, 3, 55, 56, 63, 64, 65, 1000, 1 << 20}) {
            byte[] m = new byte[len];
            r.nextBytes(m);
            assertThat(ShangMi.sm3(m)).as("%d bytes", len).isEqualTo(kona.sm3(m));
        }
        assertThat(
                        EnvelopeInterop.HEX.formatHex(
                                kona.sm3("abc".getBytes(StandardCharsets.US_ASCII))))
                .isEqualTo("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    }

    @Test
    void sm4EcbAndCbcBothWays() throws Exception {
        SecureRandom r = new SecureRandom();
        byte[] key = new byte[16];
        byte[] iv = new byte[16];
        byte[] msg = new byte[16 * 37];
        r.nextBytes(key);
        r.nextBytes(iv);
        r.nextBytes(msg);
        for (String mode : new String[] {"ECB", "CBC"}) {
            Cipher k = Cipher.getInstance("SM4/" + mode + "/NoPadding", KONA);
            if (mode.equals("ECB")) {
                k.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "SM4"));
            } else {
                k.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "SM4"), new IvParameterSpec(iv));
            }
            byte[] byKona = k.doFinal(msg);
            byte[] byWeir = bc(true, mode, key, iv, msg);
            assertThat(byWeir).as(mode).isEqualTo(byKona);
            assertThat(bc(false, mode, key, iv, byKona)).isEqualTo(msg);
            if (mode.equals("ECB")) {
                k.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "SM4"));
            } else {
                k.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "SM4"), new IvParameterSpec(iv));
            }
            assertThat(k.doFinal(byWeir)).isEqualTo(msg);
        }
    }

    static byte[] bc(boolean encrypt, String mode, byte[] key, byte[] iv, byte[] in)
            throws Exception {
        BufferedBlockCipher c =
                new DefaultBufferedBlockCipher(
                        mode.equals("ECB")
                                ? new SM4Engine()
                                : CBCBlockCipher.newInstance(new SM4Engine()));
        c.init(
                encrypt,
                mode.equals("ECB")
                        ? new KeyParameter(key)
                        : new ParametersWithIV(new KeyParameter(key), iv));
        byte[] out = new byte[c.getOutputSize(in.length)];
        int n = c.processBytes(in, 0, in.length, out, 0);
        c.doFinal(out, n);
        return out;
    }

    @Test
    void sm4GcmWithAadBothWays() throws Exception {
        SecureRandom r = new SecureRandom();
        byte[] key = new byte[16];
        byte[] nonce = new byte[12];
        byte[] aad = new byte[213];
        byte[] msg = new byte[5000];
        r.nextBytes(key);
        r.nextBytes(nonce);
        r.nextBytes(aad);
        r.nextBytes(msg);
        byte[] byKona = EnvelopeInterop.konaGcm(key).seal(nonce, aad, msg);
        byte[] byWeir = Sme1.bouncyCastle(key).seal(nonce, aad, msg);
        assertThat(byWeir).isEqualTo(byKona);
        GCMModeCipher open = GCMBlockCipher.newInstance(new SM4Engine());
        open.init(false, new AEADParameters(new KeyParameter(key), 128, nonce));
        open.processAADBytes(aad, 0, aad.length);
        byte[] plain = new byte[msg.length];
        open.doFinal(plain, open.processBytes(byKona, 0, byKona.length, plain, 0));
        assertThat(plain).isEqualTo(msg);
    }

    @Test
    void sm2SignaturesWithTheDefaultUserIdBothWays() throws Exception {
        byte[] msg = "SME1-EPOCH signed bytes".getBytes(StandardCharsets.US_ASCII);
        byte[] byWeir = ShangMi.sign(keys.gatewayPrivate(), msg);
        assertThat(kona.verify(msg, byWeir)).isTrue();
        byte[] byKona = kona.sign(msg);
        assertThat(ShangMi.verify(keys.gatewayPublic(), msg, byKona)).isTrue();
        // The user ID is part of what is signed (Z = SM3(ENTL || ID || curve || key)): with
        // another ID the same signature does not verify.
        Signature other = Signature.getInstance("SM2", KONA);
        SM2PublicKey pub = new SM2PublicKey((ECPublicKey) keys.gatewayPublic());
        other.setParameter(
                new SM2SignatureParameterSpec(
                        "another-user-id".getBytes(StandardCharsets.US_ASCII), pub));
        other.initVerify(pub);
        other.update(msg);
        assertThat(other.verify(byWeir)).isFalse();
    }

    @Test
    void sm2EncryptionBothWays() throws Exception {
        byte[] dek = new byte[16];
        new SecureRandom().nextBytes(dek);
        byte[] byKona = kona.wrap(dek);
        assertThat(byKona).hasSize(113).startsWith(0x04);
        assertThat(kona.unwrap(byKona)).isEqualTo(dek);
    }

    /** kona's own SM2 ciphertext is DER; sent as it is, the receiver names the form. */
    @Test
    void konaDerCiphertextIsRefusedWithItsName() throws Exception {
        byte[] dek = new byte[16];
        new SecureRandom().nextBytes(dek);
        Cipher c = Cipher.getInstance("SM2", KONA);
        c.init(Cipher.ENCRYPT_MODE, new SM2PublicKey((ECPublicKey) keys.envelopePublic()));
        byte[] der = c.doFinal(dek);
        byte[] env =
                Sme1.of("gw-01", 5, 1, keys.envelopePublic(), der, null, false)
                        .seal(new byte[] {1}, EnvelopeInterop.konaGcm(dek));
        EnvelopeOpener opener =
                new EnvelopeOpener(
                        java.util.List.of(keys.envelopePrivate()),
                        java.util.List.of(keys.envelopePublic()),
                        false);
        assertThatThrownBy(() -> opener.open(env, "gw-01", null))
                .isInstanceOfSatisfying(
                        EnvelopeRejected.class,
                        e -> {
                            assertThat(e.reason()).isEqualTo(Reason.MALFORMED);
                            assertThat(e.getMessage()).contains("DER SM2Cipher");
                        });
    }
}
