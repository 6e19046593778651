package io.weir.host.uplink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.digests.SM3Digest;
import org.bouncycastle.crypto.engines.SM2Engine;
import org.bouncycastle.crypto.engines.SM4Engine;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithID;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.signers.SM2Signer;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.util.encoders.Hex;
import org.bouncycastle.util.test.TestRandomBigInteger;
import org.junit.jupiter.api.Test;

/**
 * Official known-answer vectors for the primitives the envelope uses, run against the exact Bouncy
 * Castle classes the envelope code calls (research file §1.3, T1-T12).
 */
class ShangMiVectorsTest {
    private static final byte[] SM4_KEY = Hex.decode("0123456789abcdeffedcba9876543210");

    @Test
    void sm4SingleBlockGbt32907ExampleA1() {
        SM4Engine e = new SM4Engine();
        e.init(true, new KeyParameter(SM4_KEY));
        byte[] out = new byte[16];
        e.processBlock(SM4_KEY, 0, out, 0);
        assertThat(Hex.toHexString(out)).isEqualTo("681edf34d206965e86b3e94f536e4246");
    }

    @Test
    void sm4MillionIterationsGbt32907ExampleA2() {
        SM4Engine e = new SM4Engine();
        e.init(true, new KeyParameter(SM4_KEY));
        byte[] block = SM4_KEY.clone();
        byte[] tmp = new byte[16];
        for (int i = 0; i < 1_000_000; i++) {
            e.processBlock(block, 0, tmp, 0);
            System.arraycopy(tmp, 0, block, 0, 16);
        }
        assertThat(Hex.toHexString(block)).isEqualTo("595298c7c6fd271f0402f804c33d3f66");
        e.init(false, new KeyParameter(SM4_KEY));
        for (int i = 0; i < 1_000_000; i++) {
            e.processBlock(block, 0, tmp, 0);
            System.arraycopy(tmp, 0, block, 0, 16);
        }
        assertThat(block).isEqualTo(SM4_KEY);
    }

    @Test
    void sm4GcmRfc8998AppendixA1() throws Exception {
        byte[] iv = Hex.decode("00001234567800000000ABCD");
        byte[] aad = Hex.decode("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
        StringBuilder p = new StringBuilder();
        for (char c : "ABCDEFEA".toCharArray()) {
            p.append(String.valueOf(c).repeat(16));
        }
        byte[] plain = Hex.decode(p.toString());
        String expected =
                "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
                        + "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
                        + "83DE3541E4C2B58177E065A9BF7B62EC";
        GCMModeCipher gcm = GCMBlockCipher.newInstance(new SM4Engine());
        gcm.init(true, new AEADParameters(new KeyParameter(SM4_KEY), 128, iv, aad));
        byte[] out = new byte[gcm.getOutputSize(plain.length)];
        int k = gcm.processBytes(plain, 0, plain.length, out, 0);
        gcm.doFinal(out, k);
        assertThat(Hex.toHexString(out)).isEqualToIgnoringCase(expected);

        gcm.init(false, new AEADParameters(new KeyParameter(SM4_KEY), 128, iv, aad));
        byte[] back = new byte[plain.length];
        k = gcm.processBytes(out, 0, out.length, back, 0);
        gcm.doFinal(back, k);
        assertThat(back).isEqualTo(plain);

        out[out.length - 1] ^= 1;
        gcm.init(false, new AEADParameters(new KeyParameter(SM4_KEY), 128, iv, aad));
        byte[] sink = new byte[plain.length];
        int n = gcm.processBytes(out, 0, out.length, sink, 0);
        assertThatThrownBy(() -> gcm.doFinal(sink, n))
                .isInstanceOf(InvalidCipherTextException.class);
    }

    @Test
    void sm3Gbt32905Examples() {
        assertThat(Hex.toHexString(ShangMi.sm3("abc".getBytes(StandardCharsets.US_ASCII))))
                .isEqualTo("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
        assertThat(
                        Hex.toHexString(
                                ShangMi.sm3("abcd".repeat(16).getBytes(StandardCharsets.US_ASCII))))
                .isEqualTo("debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
    }

    private static String hmacSm3(byte[] key, byte[] msg) {
        HMac mac = new HMac(new SM3Digest());
        mac.init(new KeyParameter(key));
        mac.update(msg, 0, msg.length);
        byte[] out = new byte[32];
        mac.doFinal(out, 0);
        return Hex.toHexString(out);
    }

    private static byte[] counting(int n) {
        byte[] k = new byte[n];
        for (int i = 0; i < n; i++) {
            k[i] = (byte) (i + 1);
        }
        return k;
    }

    @Test
    void hmacSm3Gmt0042AppendixD3() {
        byte[] m1 =
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
                        .repeat(2)
                        .getBytes(StandardCharsets.US_ASCII);
        assertThat(m1).hasSize(112);
        assertThat(hmacSm3(counting(32), m1))
                .isEqualTo("ca05e144ed05d1857840d1f318a4a8669e559fc8391f414485bfdf7bb408963a");
        byte[] cd = new byte[50];
        java.util.Arrays.fill(cd, (byte) 0xcd);
        assertThat(hmacSm3(counting(37), cd))
                .isEqualTo("220bf579ded555393f0159f66c99877822a3ecf610d1552154b41d44b94db3ae");
        byte[] k0b = new byte[32];
        java.util.Arrays.fill(k0b, (byte) 0x0b);
        assertThat(hmacSm3(k0b, "Hi There".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("c0ba18c68b90c88bc07de794bfc7d2c8d19ec31ed8773bc2b390c9604e0be11e");
        assertThat(
                        hmacSm3(
                                "Jefe".getBytes(StandardCharsets.US_ASCII),
                                "what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("2e87f1d16862e6d964b50a5200bf2b10b764faa9680a296a2405f24bec39f882");
    }

    /** GB/T 32918 Appendix A test curve over Fp-256 (not sm2p256v1). */
    private static ECDomainParameters testCurve() {
        BigInteger p =
                new BigInteger(
                        "8542D69E4C044F18E8B92435BF6FF7DE457283915C45517D722EDB8B08F1DFC3", 16);
        BigInteger a =
                new BigInteger(
                        "787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498", 16);
        BigInteger b =
                new BigInteger(
                        "63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A", 16);
        BigInteger n =
                new BigInteger(
                        "8542D69E4C044F18E8B92435BF6FF7DD297720630485628D5AE74EE7C32E79B7", 16);
        BigInteger gx =
                new BigInteger(
                        "421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D", 16);
        BigInteger gy =
                new BigInteger(
                        "0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2", 16);
        ECCurve curve = new ECCurve.Fp(p, a, b, n, BigInteger.ONE);
        return new ECDomainParameters(curve, curve.createPoint(gx, gy), n);
    }

    private static AsymmetricCipherKeyPair keyPair(String d) {
        ECKeyPairGenerator g = new ECKeyPairGenerator();
        g.init(new ECKeyGenerationParameters(testCurve(), new TestRandomBigInteger(d, 16)));
        return g.generateKeyPair();
    }

    @Test
    void sm2SignatureGbt32918Part2AppendixA() throws Exception {
        AsymmetricCipherKeyPair kp =
                keyPair("128B2FA8BD433C6C068C8D803DFF79792A519A55171B1B650C23661D15897263");
        byte[] id = "ALICE123@YAHOO.COM".getBytes(StandardCharsets.US_ASCII);
        byte[] msg = "message digest".getBytes(StandardCharsets.US_ASCII);
        BigInteger r =
                new BigInteger(
                        "40F1EC59F793D9F49E09DCEF49130D4194F79FB1EED2CAA55BACDB49C4E755D1", 16);
        BigInteger s =
                new BigInteger(
                        "6FC6DAC32C5D5CF10C77DFB20F7C2EB667A457872FB09EC56327A67EC7DEEBE7", 16);

        // Sign with the standard's fixed k and compare (r, s).
        SM2Signer signer = new SM2Signer();
        signer.init(
                true,
                new ParametersWithID(
                        new ParametersWithRandom(
                                kp.getPrivate(),
                                new TestRandomBigInteger(
                                        "6CB28D99385C175C94F94E934817663FC176D925DD72B727260DBAAE1FB2F96F",
                                        16)),
                        id));
        signer.update(msg, 0, msg.length);
        byte[] der = signer.generateSignature();
        BigInteger[] rs = StandardDSAEncoding.INSTANCE.decode(testCurve().getN(), der);
        assertThat(rs[0]).isEqualTo(r);
        assertThat(rs[1]).isEqualTo(s);

        // Verify the published (r, s); a changed message must fail.
        byte[] published = StandardDSAEncoding.INSTANCE.encode(testCurve().getN(), r, s);
        SM2Signer verifier = new SM2Signer();
        verifier.init(false, new ParametersWithID(kp.getPublic(), id));
        verifier.update(msg, 0, msg.length);
        assertThat(verifier.verifySignature(published)).isTrue();
        verifier.init(false, new ParametersWithID(kp.getPublic(), id));
        verifier.update(msg, 0, msg.length - 1);
        assertThat(verifier.verifySignature(published)).isFalse();
    }

    @Test
    void sm2DecryptGbt32918Part4AppendixAInC1C3C2Order() throws Exception {
        AsymmetricCipherKeyPair kp =
                keyPair("1649AB77A00637BD5E2EFE283FBF353534AA7F7CB89463F208DDBC2920BB0DA0");
        String c1 =
                "04245C26FB68B1DDDDB12C4B6BF9F2B6D5FE60A383B0D18D1C4144ABF17F6252"
                        + "E776CB9264C2A7E88E52B19903FDC47378F605E36811F5C07423A24B84400F01B8";
        String c2 = "650053A89B41C418B0C3AAD00D886C00286467";
        String c3 = "9C3D7360C30156FAB7C80A0276712DA9D8094A634B766D3A285E07480653426D";
        byte[] c1c3c2 = Hex.decode(c1 + c3 + c2);

        SM2Engine dec = new SM2Engine(SM2Engine.Mode.C1C3C2);
        dec.init(false, (ECPrivateKeyParameters) kp.getPrivate());
        assertThat(
                        new String(
                                dec.processBlock(c1c3c2, 0, c1c3c2.length),
                                StandardCharsets.US_ASCII))
                .isEqualTo("encryption standard");

        // With the standard's k, encryption reproduces the published ciphertext bit for bit.
        SM2Engine enc = new SM2Engine(SM2Engine.Mode.C1C3C2);
        enc.init(
                true,
                new ParametersWithRandom(
                        (ECPublicKeyParameters) kp.getPublic(),
                        new TestRandomBigInteger(
                                "4C62EEFD6ECFC2B95B92FD6C3D9575148AFA17425546D49018E5388D49DD7B4F",
                                16)));
        byte[] m = "encryption standard".getBytes(StandardCharsets.US_ASCII);
        assertThat(Hex.toHexString(enc.processBlock(m, 0, m.length)))
                .isEqualToIgnoringCase(c1 + c3 + c2);

        // C3 (the SM3 check value) catches a flipped ciphertext bit.
        c1c3c2[c1c3c2.length - 1] ^= 1;
        assertThatThrownBy(() -> dec.processBlock(c1c3c2, 0, c1c3c2.length))
                .isInstanceOf(InvalidCipherTextException.class);
    }
}
