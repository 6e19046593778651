package io.weir.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.host.uplink.Envelope;
import io.weir.host.uplink.EnvelopeRejected;
import io.weir.host.uplink.EnvelopeRejected.Reason;
import io.weir.host.uplink.PointBatch;
import io.weir.host.uplink.SamplePoints;
import io.weir.host.uplink.ShangMi;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.crypto.BufferedBlockCipher;
import org.bouncycastle.crypto.DefaultBufferedBlockCipher;
import org.bouncycastle.crypto.engines.SM4Engine;
import org.bouncycastle.crypto.modes.CBCBlockCipher;
import org.bouncycastle.crypto.modes.SICBlockCipher;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weir's ShangMi against Debian's OpenSSL 3 command line, in both directions: SM3 ({@code dgst
 * -sm3}), SM4 ECB/CBC/CTR ({@code enc}; OpenSSL 3.0 has no SM4-GCM), SM2 encryption and SM3withSM2
 * signatures ({@code pkeyutl}) on the PEM files of a real {@code weir pki init} folder, and whole
 * envelopes (SM4-GCM by kona-crypto). Pins the two traps of UPLINK.md §4.2: OpenSSL writes SM2
 * ciphertexts as DER and signs with an empty user ID unless told {@code distid:1234567812345678}.
 */
class OpenSslInteropIT {
    static final String USER_ID = "distid:1234567812345678";

    @TempDir Path tmp;
    EnvelopeInterop.Keys keys;
    OpenSslCli openssl;
    EnvelopeInterop.Peer peer;

    @BeforeEach
    void setUp() throws Exception {
        keys = EnvelopeInterop.Keys.create(tmp.resolve("pki"));
        openssl = new OpenSslCli(tmp);
        String envPub = keys.pki().envelopePublicKey().toString();
        String envKey = keys.pki().envelopePrivateKey().toString();
        String gwKey = keys.pki().gatewayKey("gw-01").toString();
        String gwCrt = keys.pki().gatewayCert("gw-01").toString();
        peer =
                new EnvelopeInterop.Peer() {
                    @Override
                    public byte[] sm3(byte[] data) throws Exception {
                        openssl.file("m", data);
                        return openssl.run("dgst", "-sm3", "-binary", "m");
                    }

                    @Override
                    public byte[] wrap(byte[] dek) throws Exception {
                        openssl.file("dek", dek);
                        byte[] der =
                                openssl.run(
                                        "pkeyutl",
                                        "-encrypt",
                                        "-pubin",
                                        "-inkey",
                                        envPub,
                                        "-in",
                                        "dek");
                        return Sm2Ciphertext.derToRaw(der);
                    }

                    @Override
                    public byte[] unwrap(byte[] wrapped) throws Exception {
                        openssl.file("ct", Sm2Ciphertext.rawToDer(wrapped));
                        return openssl.run("pkeyutl", "-decrypt", "-inkey", envKey, "-in", "ct");
                    }

                    @Override
                    public byte[] sign(byte[] message) throws Exception {
                        openssl.file("m", message);
                        return openssl.run(
                                "pkeyutl",
                                "-sign",
                                "-inkey",
                                gwKey,
                                "-rawin",
                                "-digest",
                                "sm3",
                                "-pkeyopt",
                                USER_ID,
                                "-in",
                                "m");
                    }

                    @Override
                    public boolean verify(byte[] message, byte[] signature) throws Exception {
                        openssl.file("m", message);
                        openssl.file("sig", signature);
                        return openssl.succeeds(
                                "pkeyutl",
                                "-verify",
                                "-certin",
                                "-inkey",
                                gwCrt,
                                "-rawin",
                                "-digest",
                                "sm3",
                                "-pkeyopt",
                                USER_ID,
                                "-in",
                                "m",
                                "-sigfile",
                                "sig");
                    }
                };
    }

    @Test
    void weirSealsOpenSslOpens() throws Exception {
        EnvelopeInterop.weirSealsPeerOpens(keys, peer);
    }

    @Test
    void openSslSealsWeirOpens() throws Exception {
        EnvelopeInterop.peerSealsWeirOpens(keys, peer);
    }

    @Test
    void sm3() throws Exception {
        SecureRandom r = new SecureRandom();
        for (int len : new int[] {0, 3, 64, 65, 100_000}) {
            byte[] m = new byte[len];
            r.nextBytes(m);
            assertThat(peer.sm3(m)).as("%d bytes", len).isEqualTo(ShangMi.sm3(m));
        }
    }

    @Test
    void sm4EcbCbcCtrBothWays() throws Exception {
        SecureRandom r = new SecureRandom();
        byte[] key = new byte[16];
        byte[] iv = new byte[16];
        byte[] msg = new byte[16 * 100];
        r.nextBytes(key);
        r.nextBytes(iv);
        r.nextBytes(msg);
        String k = EnvelopeInterop.HEX.formatHex(key);
        String v = EnvelopeInterop.HEX.formatHex(iv);
        for (String mode : new String[] {"ecb", "cbc", "ctr"}) {
            openssl.file("plain", msg);
            byte[] byOpenSsl =
                    mode.equals("ecb")
                            ? openssl.run("enc", "-sm4-ecb", "-nopad", "-K", k, "-in", "plain")
                            : openssl.run(
                                    "enc",
                                    "-sm4-" + mode,
                                    "-nopad",
                                    "-K",
                                    k,
                                    "-iv",
                                    v,
                                    "-in",
                                    "plain");
            byte[] byWeir = sm4(true, mode, key, iv, msg);
            assertThat(byWeir).as(mode).isEqualTo(byOpenSsl);
            assertThat(sm4(false, mode, key, iv, byOpenSsl)).isEqualTo(msg);
            openssl.file("ct", byWeir);
            byte[] back =
                    mode.equals("ecb")
                            ? openssl.run("enc", "-d", "-sm4-ecb", "-nopad", "-K", k, "-in", "ct")
                            : openssl.run(
                                    "enc",
                                    "-d",
                                    "-sm4-" + mode,
                                    "-nopad",
                                    "-K",
                                    k,
                                    "-iv",
                                    v,
                                    "-in",
                                    "ct");
            assertThat(back).isEqualTo(msg);
        }
    }

    static byte[] sm4(boolean encrypt, String mode, byte[] key, byte[] iv, byte[] in)
            throws Exception {
        BufferedBlockCipher c =
                new DefaultBufferedBlockCipher(
                        switch (mode) {
                            case "ecb" -> new SM4Engine();
                            case "cbc" -> CBCBlockCipher.newInstance(new SM4Engine());
                            default -> SICBlockCipher.newInstance(new SM4Engine());
                        });
        c.init(
                encrypt,
                mode.equals("ecb")
                        ? new KeyParameter(key)
                        : new ParametersWithIV(new KeyParameter(key), iv));
        byte[] out = new byte[c.getOutputSize(in.length)];
        c.doFinal(out, c.processBytes(in, 0, in.length, out, 0));
        return out;
    }

    @Test
    void sm2SignaturesBothWays() throws Exception {
        byte[] msg = "SME1-EPOCH".getBytes(StandardCharsets.US_ASCII);
        assertThat(peer.verify(msg, ShangMi.sign(keys.gatewayPrivate(), msg))).isTrue();
        assertThat(ShangMi.verify(keys.gatewayPublic(), msg, peer.sign(msg))).isTrue();
    }

    /**
     * Trap 1: OpenSSL 3 signs and verifies SM2 with an empty user ID unless given {@code -pkeyopt
     * distid:1234567812345678}; Weir (like Bouncy Castle, kona and sm-crypto) uses GM/T 0009's
     * default 1234567812345678. Without the option neither side accepts the other's signature, and
     * the receiver answers BAD_SIGNATURE.
     */
    @Test
    void withoutTheUserIdOpenSslAndWeirSignaturesDoNotMatch() throws Exception {
        byte[] msg = "SME1-EPOCH".getBytes(StandardCharsets.US_ASCII);
        openssl.file("m", msg);
        openssl.file("sig", ShangMi.sign(keys.gatewayPrivate(), msg));
        String crt = keys.pki().gatewayCert("gw-01").toString();
        assertThat(
                        openssl.succeeds(
                                "pkeyutl",
                                "-verify",
                                "-certin",
                                "-inkey",
                                crt,
                                "-rawin",
                                "-digest",
                                "sm3",
                                "-in",
                                "m",
                                "-sigfile",
                                "sig"))
                .as("OpenSSL's default ID")
                .isFalse();

        // An epoch signed by OpenSSL without the ID: the envelope is refused for good.
        byte[] dek = new byte[16];
        new SecureRandom().nextBytes(dek);
        byte[] wrapped = peer.wrap(dek);
        Sme1 h = Sme1.of("gw-01", 77, 1, keys.envelopePublic(), wrapped, null, false);
        openssl.file(
                "signed",
                Envelope.epochSignedBytes("gw-01", 77, h.recipientKid(), h.dekId(), wrapped));
        byte[] sig =
                openssl.run(
                        "pkeyutl",
                        "-sign",
                        "-inkey",
                        keys.pki().gatewayKey("gw-01").toString(),
                        "-rawin",
                        "-digest",
                        "sm3",
                        "-in",
                        "signed");
        byte[] env =
                h.withSignature(sig)
                        .seal(PointBatch.encode(SamplePoints.all()), EnvelopeInterop.konaGcm(dek));
        EnvelopeOpener opener =
                new EnvelopeOpener(
                        List.of(keys.envelopePrivate()), List.of(keys.envelopePublic()), true);
        assertThatThrownBy(() -> opener.open(env, "gw-01", keys.gatewayPublic()))
                .isInstanceOfSatisfying(
                        EnvelopeRejected.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.BAD_SIGNATURE));
    }

    /** Trap 2: OpenSSL's SM2 ciphertext is DER; as it is, the receiver refuses it by name. */
    @Test
    void openSslDerCiphertextIsRefusedWithItsName() throws Exception {
        byte[] dek = new byte[16];
        new SecureRandom().nextBytes(dek);
        openssl.file("dek", dek);
        byte[] der =
                openssl.run(
                        "pkeyutl",
                        "-encrypt",
                        "-pubin",
                        "-inkey",
                        keys.pki().envelopePublicKey().toString(),
                        "-in",
                        "dek");
        byte[] env =
                Sme1.of("gw-01", 5, 1, keys.envelopePublic(), der, null, false)
                        .seal(new byte[] {1}, EnvelopeInterop.konaGcm(dek));
        EnvelopeOpener opener =
                new EnvelopeOpener(
                        List.of(keys.envelopePrivate()), List.of(keys.envelopePublic()), false);
        assertThatThrownBy(() -> opener.open(env, "gw-01", null))
                .isInstanceOfSatisfying(
                        EnvelopeRejected.class,
                        e ->
                                assertThat(e.getMessage())
                                        .startsWith("MALFORMED: wrapped_len " + der.length)
                                        .contains("DER SM2Cipher"));
        // Converted to raw C1C3C2 it is Weir's own form and decrypts to the same key.
        assertThat(peer.unwrap(Sm2Ciphertext.derToRaw(der))).isEqualTo(dek);
        assertThat(Arrays.copyOf(Sm2Ciphertext.derToRaw(der), 1)).containsExactly(0x04);
    }
}
