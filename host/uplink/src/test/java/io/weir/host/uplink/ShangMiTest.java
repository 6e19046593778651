package io.weir.host.uplink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.Security;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Cipher;
import org.junit.jupiter.api.Test;

/**
 * The uplink's ShangMi helpers: key ids, which keys count as SM2, and the per-epoch signatures (the
 * primitives themselves are checked against official vectors in {@link ShangMiVectorsTest}).
 */
class ShangMiTest {
    static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(1024);
        return g.generateKeyPair();
    }

    /** One provider instance, registered after the JDK's, so TLS keeps the JDK's AES-GCM. */
    @Test
    void theProviderIsRegisteredOnceAfterTheJdks() throws Exception {
        Provider p = ShangMi.provider();
        assertThat(p).isNotNull().isSameAs(Security.getProvider("BC")).isSameAs(ShangMi.provider());
        List<Provider> all = Arrays.asList(Security.getProviders());
        assertThat(all.indexOf(p)).isGreaterThan(all.indexOf(Security.getProvider("SunJCE")));
        assertThat(Cipher.getInstance("AES/GCM/NoPadding").getProvider().getName())
                .isEqualTo("SunJCE");
    }

    @Test
    void aKeyIdIsTheFirst16BytesOfSm3OverTheEncodedKey() throws Exception {
        KeyPair a = EnvelopeSealerTest.sm2();
        KeyPair b = EnvelopeSealerTest.sm2();
        assertThat(ShangMi.keyId(a.getPublic()))
                .hasSize(16)
                .isEqualTo(Arrays.copyOf(ShangMi.sm3(a.getPublic().getEncoded()), 16))
                .isNotEqualTo(ShangMi.keyId(b.getPublic()));
        byte[] data = "xabcx".getBytes(StandardCharsets.US_ASCII);
        assertThat(ShangMi.sm3(data, 1, 3))
                .isEqualTo(ShangMi.sm3("abc".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void onlyKeysOnSm2p256v1AreSm2() throws Exception {
        KeyPair sm2 = EnvelopeSealerTest.sm2();
        KeyPair p256 = EnvelopeSealerTest.keyPair("secp256r1");
        assertThat(ShangMi.isSm2(sm2.getPublic())).isTrue();
        assertThat(ShangMi.isSm2(sm2.getPrivate())).isTrue();
        assertThat(ShangMi.isSm2(p256.getPublic())).isFalse();
        assertThat(ShangMi.isSm2(rsa().getPublic())).isFalse();
        assertThat(ShangMi.signatureAlgorithm(sm2.getPrivate())).isEqualTo("SM3withSM2");
        assertThat(ShangMi.signatureAlgorithm(p256.getPrivate())).isEqualTo("SHA256withECDSA");
        KeyPair rsa = rsa();
        assertThatThrownBy(() -> ShangMi.signatureAlgorithm(rsa.getPrivate()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("gateway key must be SM2 or ECDSA P-256, got RSA");
    }

    /** A signature verifies only for its message and its key; nothing else throws, it is false. */
    @Test
    void signaturesVerifyForTheirMessageAndKeyOnly() throws Exception {
        byte[] message = "SME1-EPOCH gw-01".getBytes(StandardCharsets.US_ASCII);
        byte[] other = "SME1-EPOCH gw-02".getBytes(StandardCharsets.US_ASCII);
        for (String curve : new String[] {"sm2p256v1", "secp256r1"}) {
            KeyPair k = EnvelopeSealerTest.keyPair(curve);
            KeyPair stranger = EnvelopeSealerTest.keyPair(curve);
            byte[] sig = ShangMi.sign(k.getPrivate(), message);
            assertThat(ShangMi.verify(k.getPublic(), message, sig)).as(curve).isTrue();
            assertThat(ShangMi.verify(k.getPublic(), other, sig)).as(curve).isFalse();
            assertThat(ShangMi.verify(stranger.getPublic(), message, sig)).as(curve).isFalse();
            assertThat(ShangMi.verify(k.getPublic(), message, new byte[] {1, 2, 3}))
                    .as("%s, not a signature", curve)
                    .isFalse();
            assertThat(
                            ShangMi.verify(
                                    k.getPublic(),
                                    new byte[0],
                                    ShangMi.sign(k.getPrivate(), new byte[0])))
                    .isTrue();
        }
        KeyPair sm2 = EnvelopeSealerTest.sm2();
        byte[] sig = ShangMi.sign(sm2.getPrivate(), message);
        assertThat(ShangMi.verify(rsa().getPublic(), message, sig)).as("an RSA key").isFalse();
        assertThat(
                        ShangMi.verify(
                                EnvelopeSealerTest.keyPair("secp256r1").getPublic(), message, sig))
                .as("an SM2 signature against a P-256 key")
                .isFalse();
    }
}
