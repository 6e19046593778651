package io.weir.host.uplink;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.SM2Engine;
import org.bouncycastle.crypto.engines.SM4Engine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.jcajce.provider.asymmetric.util.ECUtil;

/**
 * Seals point-batch payloads into SME1 envelopes (UPLINK.md §4) for one gateway. Holds the current
 * epoch's data key (DEK) in memory only; {@link #newEpoch()} draws a fresh random epoch and DEK and
 * wraps the DEK once with the receiver's SM2 public key. Not thread-safe: one sealer thread owns
 * it.
 */
public final class EnvelopeSealer {
    private final String gatewayId;
    private final byte[] gatewayIdBytes;
    private final PublicKey recipientKey;
    private final byte[] recipientKid;
    private final PrivateKey signingKey;
    private final SecureRandom random;
    private final GCMModeCipher gcm = GCMBlockCipher.newInstance(new SM4Engine());

    private volatile long epoch;
    private KeyParameter dek;
    private byte[] wrappedDek;
    private byte[] dekId;
    private byte[] epochSignature = new byte[0];
    private long batchesInEpoch;

    /**
     * @param signingKey the gateway's private key for the per-epoch origin signature, or null to
     *     send unsigned envelopes
     */
    public EnvelopeSealer(
            String gatewayId, PublicKey recipientKey, PrivateKey signingKey, SecureRandom random) {
        this.gatewayIdBytes = gatewayId.getBytes(StandardCharsets.UTF_8);
        if (gatewayIdBytes.length == 0 || gatewayIdBytes.length > Envelope.MAX_GATEWAY_ID) {
            throw new IllegalArgumentException(
                    "gateway id must be 1.."
                            + Envelope.MAX_GATEWAY_ID
                            + " UTF-8 bytes, got \""
                            + gatewayId
                            + "\"");
        }
        if (!ShangMi.isSm2(recipientKey)) {
            throw new IllegalArgumentException(
                    "the receiver envelope key must be an SM2 (sm2p256v1) public key, got "
                            + recipientKey.getAlgorithm());
        }
        this.gatewayId = gatewayId;
        this.recipientKey = recipientKey;
        this.recipientKid = ShangMi.keyId(recipientKey);
        this.signingKey = signingKey;
        this.random = random;
        newEpoch();
    }

    /**
     * Starts a new epoch: random non-zero 64-bit epoch, fresh 128-bit DEK, wrapped with SM2 in
     * C1||C3||C2 order (GB/T 32918.4-2016 §6.1), optionally signed.
     */
    public void newEpoch() {
        long e;
        do {
            e = random.nextLong();
        } while (e == 0);
        byte[] key = new byte[16];
        random.nextBytes(key);
        try {
            SM2Engine sm2 = new SM2Engine(SM2Engine.Mode.C1C3C2);
            sm2.init(
                    true,
                    new ParametersWithRandom(
                            ECUtil.generatePublicKeyParameter(recipientKey), random));
            byte[] wrapped = sm2.processBlock(key, 0, key.length);
            byte[] id = Arrays.copyOf(ShangMi.sm3(wrapped), 16);
            byte[] sig = new byte[0];
            if (signingKey != null) {
                sig =
                        ShangMi.sign(
                                signingKey,
                                Envelope.epochSignedBytes(gatewayId, e, recipientKid, id, wrapped));
            }
            this.epoch = e;
            this.dek = new KeyParameter(key);
            this.wrappedDek = wrapped;
            this.dekId = id;
            this.epochSignature = sig;
            this.batchesInEpoch = 0;
        } catch (GeneralSecurityException | InvalidCipherTextException ex) {
            throw new IllegalStateException("cannot start an uplink epoch: " + ex.getMessage(), ex);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    public long epoch() {
        return epoch;
    }

    public long batchesInEpoch() {
        return batchesInEpoch;
    }

    public byte[] recipientKid() {
        return recipientKid.clone();
    }

    /** Seals one payload. The caller assigns {@code seq} (1.. within the epoch). */
    public byte[] seal(long seq, long createdMs, byte[] payload, boolean deflated) {
        int flags = (deflated ? Envelope.FLAG_DEFLATE : 0);
        if (epochSignature.length > 0) {
            flags |= Envelope.FLAG_EPOCH_SIGNATURE;
        }
        byte[] nonce = new byte[Envelope.NONCE_LENGTH];
        random.nextBytes(nonce);
        int headerLen =
                4
                        + 1
                        + 1
                        + 2
                        + 1
                        + gatewayIdBytes.length
                        + 8
                        + 8
                        + 8
                        + 16
                        + 16
                        + 2
                        + wrappedDek.length
                        + 12
                        + 2
                        + epochSignature.length
                        + 4;
        int ctLen = payload.length + Envelope.TAG_LENGTH;
        byte[] out = new byte[headerLen + ctLen];
        ByteBuffer bb = ByteBuffer.wrap(out);
        bb.put(Envelope.MAGIC).put((byte) Envelope.VERSION).put((byte) Envelope.SUITE_SM2_SM4_GCM);
        bb.putShort((short) flags).put((byte) gatewayIdBytes.length).put(gatewayIdBytes);
        bb.putLong(epoch).putLong(seq).putLong(createdMs);
        bb.put(recipientKid).put(dekId).putShort((short) wrappedDek.length).put(wrappedDek);
        bb.put(nonce).putShort((short) epochSignature.length).put(epochSignature);
        bb.putInt(ctLen);
        // GB/T 36624 / NIST SP 800-38D GCM with SM4; AAD = the whole header (UPLINK.md §4.3).
        gcm.init(true, new AEADParameters(dek, 128, nonce));
        gcm.processAADBytes(out, 0, headerLen);
        int k = gcm.processBytes(payload, 0, payload.length, out, headerLen);
        try {
            gcm.doFinal(out, headerLen + k);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("SM4-GCM seal failed", e);
        }
        batchesInEpoch++;
        return out;
    }
}
