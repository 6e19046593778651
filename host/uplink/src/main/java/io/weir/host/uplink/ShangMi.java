package io.weir.host.uplink;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.security.interfaces.ECKey;
import java.util.Arrays;
import org.bouncycastle.asn1.gm.GMNamedCurves;
import org.bouncycastle.crypto.digests.SM3Digest;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The ShangMi (GM/T) primitives the uplink needs beyond the lightweight engines: the Bouncy Castle
 * provider, SM3, key ids and per-epoch signatures.
 */
public final class ShangMi {
    private static final BigInteger SM2_ORDER = GMNamedCurves.getByName("sm2p256v1").getN();

    private ShangMi() {}

    /**
     * The Bouncy Castle provider, added at the END of the provider list: inserting it first would
     * make SunJSSE use BC's pure-Java AES-GCM (research file §2.3, 3-10x slower).
     */
    public static synchronized Provider provider() {
        Provider p = Security.getProvider(BouncyCastleProvider.PROVIDER_NAME);
        if (p == null) {
            p = new BouncyCastleProvider();
            Security.addProvider(p);
        }
        return p;
    }

    public static byte[] sm3(byte[] data) {
        return sm3(data, 0, data.length);
    }

    public static byte[] sm3(byte[] data, int off, int len) {
        SM3Digest d = new SM3Digest();
        d.update(data, off, len);
        byte[] out = new byte[32];
        d.doFinal(out, 0);
        return out;
    }

    /** UPLINK.md §4.1: first 16 bytes of SM3 over the DER SubjectPublicKeyInfo. */
    public static byte[] keyId(PublicKey key) {
        return Arrays.copyOf(sm3(key.getEncoded()), 16);
    }

    /** True for a key on the SM2 curve sm2p256v1 (GB/T 32918.5). */
    public static boolean isSm2(java.security.Key key) {
        return key instanceof ECKey ec && ec.getParams().getOrder().equals(SM2_ORDER);
    }

    /**
     * The signature algorithm for a gateway key: SM3withSM2 with the GM/T 0009 default user ID
     * "1234567812345678" for SM2 keys, SHA256withECDSA for NIST P-256 keys.
     */
    public static String signatureAlgorithm(java.security.Key key) {
        if (isSm2(key)) {
            return "SM3withSM2";
        }
        if (key instanceof ECKey) {
            return "SHA256withECDSA";
        }
        throw new IllegalArgumentException(
                "gateway key must be SM2 or ECDSA P-256, got " + key.getAlgorithm());
    }

    public static byte[] sign(PrivateKey key, byte[] message) throws GeneralSecurityException {
        Signature s = Signature.getInstance(signatureAlgorithm(key), provider());
        s.initSign(key);
        s.update(message);
        return s.sign();
    }

    public static boolean verify(PublicKey key, byte[] message, byte[] signature) {
        try {
            Signature s = Signature.getInstance(signatureAlgorithm(key), provider());
            s.initVerify(key);
            s.update(message);
            return s.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }
}
