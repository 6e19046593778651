package io.weir.tools.driver;

import io.weir.host.uplink.ShangMi;
import io.weir.host.uplink.UplinkPki;
import io.weir.receiver.PkiIssuer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import org.bouncycastle.jcajce.spec.SM2ParameterSpec;

/**
 * Package signing keys: SM2 with SM3 (GB/T 32918, GM/T 0009 user ID {@code 1234567812345678}) or
 * Ed25519 (RFC 8032). Private keys are unencrypted PKCS#8 PEM files made with mode 0600; public
 * keys SubjectPublicKeyInfo PEM, the form {@code <data_dir>/trusted-keys/} holds. A key's id is the
 * first 16 bytes of SHA-256 over its DER SubjectPublicKeyInfo, in hex.
 */
public final class SigningKeys {
    /** GM/T 0009-2012 §10: the default user ID of an SM2 signature. */
    static final byte[] SM2_USER_ID = "1234567812345678".getBytes(StandardCharsets.US_ASCII);

    /** The signature algorithms a package may carry. */
    public enum Algorithm {
        SM2("SM2-SM3"),
        ED25519("Ed25519");

        private final String written;

        Algorithm(String written) {
            this.written = written;
        }

        /** As {@code signature.json} writes it. */
        public String written() {
            return written;
        }

        public static Algorithm ofWritten(String s) {
            for (Algorithm a : values()) {
                if (a.written.equals(s)) {
                    return a;
                }
            }
            throw new IllegalArgumentException(
                    "signature algorithm \"" + s + "\" is not SM2-SM3 or Ed25519");
        }

        public static Algorithm parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "sm2", "sm2-sm3" -> SM2;
                case "ed25519" -> ED25519;
                default ->
                        throw new IllegalArgumentException(
                                "key algorithm \"" + s + "\" unknown; use sm2 or ed25519");
            };
        }

        public static Algorithm of(Key key) {
            if (ShangMi.isSm2(key)) {
                return SM2;
            }
            String alg = key.getAlgorithm();
            if (alg.equalsIgnoreCase("Ed25519") || alg.equalsIgnoreCase("EdDSA")) {
                return ED25519;
            }
            throw new IllegalArgumentException(
                    "a package signing key is SM2 or Ed25519, not " + key.getAlgorithm());
        }
    }

    private SigningKeys() {}

    public static KeyPair generate(Algorithm alg) throws GeneralSecurityException {
        if (alg == Algorithm.SM2) {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC", ShangMi.provider());
            g.initialize(new ECGenParameterSpec("sm2p256v1"));
            return g.generateKeyPair();
        }
        return KeyPairGenerator.getInstance("Ed25519", ShangMi.provider()).generateKeyPair();
    }

    /**
     * Writes {@code DIR/NAME.key} (0600) and {@code DIR/NAME.pub}; refuses to overwrite either.
     *
     * @return the public key file
     */
    public static Path write(KeyPair pair, Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        Path key = dir.resolve(name + ".key");
        Path pub = dir.resolve(name + ".pub");
        for (Path p : new Path[] {key, pub}) {
            if (Files.exists(p)) {
                throw new FileAlreadyExistsException(
                        p.toString(), null, "exists already; a key is never overwritten");
            }
        }
        PkiIssuer.writePem(key, pair.getPrivate(), true);
        PkiIssuer.writePem(pub, pair.getPublic(), false);
        return pub;
    }

    public static PrivateKey readPrivate(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such key file");
        }
        try {
            PrivateKey k = UplinkPki.readPrivateKey(file);
            Algorithm.of(k);
            return k;
        } catch (IllegalArgumentException | IOException e) {
            throw new IOException(
                    file + ": not an SM2 or Ed25519 private key (" + e.getMessage() + ")", e);
        }
    }

    public static PublicKey readPublic(Path file) throws IOException {
        try {
            PublicKey k = UplinkPki.readPublicKey(file);
            Algorithm.of(k);
            return k;
        } catch (IllegalArgumentException | IOException e) {
            throw new IOException(
                    file + ": not an SM2 or Ed25519 public key (" + e.getMessage() + ")", e);
        }
    }

    /** The public key of a private key file's pair, from the PKCS#8 file alone. */
    public static String keyId(PublicKey key) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return HexFormat.of().formatHex(Arrays.copyOf(d, 16));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] sign(PrivateKey key, byte[] message) throws GeneralSecurityException {
        Signature s = instance(Algorithm.of(key));
        s.initSign(key);
        s.update(message);
        return s.sign();
    }

    /** Whether {@code signature} is {@code key}'s over {@code message}; false on any failure. */
    public static boolean verify(PublicKey key, byte[] message, byte[] signature) {
        try {
            Signature s = instance(Algorithm.of(key));
            s.initVerify(key);
            s.update(message);
            return s.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    private static Signature instance(Algorithm alg) throws GeneralSecurityException {
        if (alg == Algorithm.SM2) {
            Signature s = Signature.getInstance("SM3withSM2", ShangMi.provider());
            s.setParameter(new SM2ParameterSpec(SM2_USER_ID));
            return s;
        }
        return Signature.getInstance("Ed25519", ShangMi.provider());
    }
}
