package io.weir.receiver;

import io.weir.host.points.Point;
import io.weir.host.uplink.Envelope;
import io.weir.host.uplink.EnvelopeRejected;
import io.weir.host.uplink.EnvelopeRejected.Reason;
import io.weir.host.uplink.PointBatch;
import io.weir.host.uplink.ShangMi;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.SM2Engine;
import org.bouncycastle.crypto.engines.SM4Engine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.jcajce.provider.asymmetric.util.ECUtil;

/**
 * Opens SME1 envelopes on the receiver (UPLINK.md §4.5). Thread-safe. Keeps a bounded cache of
 * unwrapped data keys so SM2 decryption runs once per epoch, not once per batch.
 */
public final class EnvelopeOpener {
    /** Epochs whose data key and signature verdict are kept: 4096 gateways' current epochs. */
    static final int CACHED_EPOCHS = 4096;

    private final Map<String, PrivateKey> keysById = new HashMap<>();
    private final boolean requireSignature;
    private final Map<String, KeyParameter> dekCache;
    private final Set<String> verifiedEpochs;

    /** An opened envelope. */
    public record Opened(Envelope envelope, List<Point> points, byte[] plaintext) {}

    /**
     * @param recipientKeys the receiver's SM2 envelope private keys, current and retired (keep old
     *     keys as long as a gateway may hold batches sealed for them)
     * @param publicKeys the matching public keys (used for the key id)
     * @param requireSignature reject envelopes without a per-epoch origin signature
     */
    public EnvelopeOpener(
            List<PrivateKey> recipientKeys, List<PublicKey> publicKeys, boolean requireSignature) {
        this(recipientKeys, publicKeys, requireSignature, CACHED_EPOCHS);
    }

    EnvelopeOpener(
            List<PrivateKey> recipientKeys,
            List<PublicKey> publicKeys,
            boolean requireSignature,
            int cachedEpochs) {
        this.dekCache = Collections.synchronizedMap(lru(cachedEpochs));
        this.verifiedEpochs =
                Collections.newSetFromMap(Collections.synchronizedMap(lru(cachedEpochs)));
        if (recipientKeys.size() != publicKeys.size() || recipientKeys.isEmpty()) {
            throw new IllegalArgumentException("need at least one envelope key pair");
        }
        for (int i = 0; i < recipientKeys.size(); i++) {
            keysById.put(Envelope.hex(ShangMi.keyId(publicKeys.get(i))), recipientKeys.get(i));
        }
        this.requireSignature = requireSignature;
    }

    /** A map that forgets its least recently used entry beyond {@code max} entries. */
    private static <V> Map<String, V> lru(int max) {
        return new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > max;
            }
        };
    }

    /** Epochs whose data key is cached (bounded by the cache size). */
    int cachedDataKeys() {
        return dekCache.size();
    }

    /** Epoch signatures remembered as verified (bounded by the cache size). */
    int cachedSignatures() {
        return verifiedEpochs.size();
    }

    /**
     * Authenticates and decrypts one envelope.
     *
     * @param bytes the envelope exactly as received
     * @param peerGateway the gateway id the TLS client certificate proves (its CN)
     * @param peerKey the public key of that certificate, for the epoch signature
     */
    public Opened open(byte[] bytes, String peerGateway, PublicKey peerKey)
            throws EnvelopeRejected {
        Envelope env = Envelope.parse(bytes);
        if (!env.gatewayId().equals(peerGateway)) {
            throw new EnvelopeRejected(
                    Reason.GATEWAY_MISMATCH,
                    "envelope says gateway \""
                            + Envelope.printable(env.gatewayId())
                            + "\" but the TLS client certificate is for \""
                            + peerGateway
                            + "\"");
        }
        String kid = Envelope.hex(env.recipientKid());
        PrivateKey key = keysById.get(kid);
        if (key == null) {
            throw new EnvelopeRejected(
                    Reason.UNKNOWN_RECIPIENT_KEY,
                    "recipient key id "
                            + kid
                            + " is not one of this receiver's envelope keys "
                            + keysById.keySet()
                            + "; the gateway was configured with another receiver's key");
        }
        byte[] dekId = Arrays.copyOf(ShangMi.sm3(env.wrappedDek()), 16);
        if (!Arrays.equals(dekId, env.dekId())) {
            throw new EnvelopeRejected(
                    Reason.DEK_ID_MISMATCH,
                    "dek_id " + Envelope.hex(env.dekId()) + " is not SM3(wrapped_dek)[0..16]");
        }
        String epochKey =
                env.gatewayId() + '/' + env.epoch() + '/' + Envelope.hex(dekId) + '/' + kid;
        if (env.epochSignature().length == 0) {
            if (requireSignature) {
                throw new EnvelopeRejected(
                        Reason.SIGNATURE_MISSING,
                        "this receiver requires a per-epoch origin signature; enable it on the"
                                + " gateway");
            }
        } else if (!verifiedEpochs.contains(epochKey + '/' + Envelope.hex(env.epochSignature()))) {
            byte[] signed =
                    Envelope.epochSignedBytes(
                            env.gatewayId(),
                            env.epoch(),
                            env.recipientKid(),
                            dekId,
                            env.wrappedDek());
            if (peerKey == null || !ShangMi.verify(peerKey, signed, env.epochSignature())) {
                throw new EnvelopeRejected(
                        Reason.BAD_SIGNATURE,
                        "epoch signature does not verify with the gateway certificate key");
            }
            verifiedEpochs.add(epochKey + '/' + Envelope.hex(env.epochSignature()));
        }
        KeyParameter dek = dekCache.get(epochKey);
        if (dek == null) {
            try {
                SM2Engine sm2 = new SM2Engine(SM2Engine.Mode.C1C3C2);
                sm2.init(false, ECUtil.generatePrivateKeyParameter(key));
                // Envelope.parse admits only 113-byte wrapped keys: C2, the key, is 16 bytes.
                byte[] raw = sm2.processBlock(env.wrappedDek(), 0, env.wrappedDek().length);
                dek = new KeyParameter(raw);
                Arrays.fill(raw, (byte) 0);
            } catch (InvalidCipherTextException | java.security.InvalidKeyException e) {
                throw new EnvelopeRejected(
                        Reason.DEK_UNWRAP_FAILED,
                        "SM2 decryption of the wrapped data key failed (" + e.getMessage() + ")");
            } catch (RuntimeException e) {
                // Bouncy Castle reports a C1 that is not a point of sm2p256v1 (or is the point at
                // infinity) with IllegalArgumentException / IllegalStateException: as permanent as
                // a failed C3 check, so it must not become a RETRY_LATER.
                throw new EnvelopeRejected(
                        Reason.DEK_UNWRAP_FAILED,
                        "wrapped data key is not a valid SM2 ciphertext: C1 is not a point of"
                                + " sm2p256v1 ("
                                + e.getMessage()
                                + ")");
            }
            dekCache.put(epochKey, dek);
        }
        GCMModeCipher gcm = GCMBlockCipher.newInstance(new SM4Engine());
        gcm.init(false, new AEADParameters(dek, 128, env.nonce()));
        gcm.processAADBytes(bytes, 0, env.aadLength());
        byte[] plain = new byte[env.ciphertextLength() - Envelope.TAG_LENGTH];
        try {
            int k =
                    gcm.processBytes(
                            bytes, env.ciphertextOffset(), env.ciphertextLength(), plain, 0);
            gcm.doFinal(plain, k);
        } catch (InvalidCipherTextException e) {
            throw new EnvelopeRejected(
                    Reason.AUTH_TAG_MISMATCH,
                    "SM4-GCM tag check failed for "
                            + env.key()
                            + ": header or ciphertext altered, or wrong data key");
        }
        try {
            byte[] batch =
                    (env.flags() & Envelope.FLAG_DEFLATE) != 0 ? PointBatch.inflate(plain) : plain;
            return new Opened(env, PointBatch.decode(batch), plain);
        } catch (PointBatch.MalformedBatch | RuntimeException e) {
            // A runtime exception here (e.g. a value no Point accepts) is as permanent as a
            // MalformedBatch: the same bytes would fail the same way on every resend.
            throw new EnvelopeRejected(
                    Reason.PAYLOAD_MALFORMED,
                    "authenticated payload is not a point batch: " + e.getMessage());
        }
    }
}
