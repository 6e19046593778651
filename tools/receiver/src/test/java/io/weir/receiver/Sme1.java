package io.weir.receiver;

import io.weir.host.uplink.Envelope;
import io.weir.host.uplink.ShangMi;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Arrays;
import org.bouncycastle.crypto.engines.SM4Engine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * An SME1 envelope written field by field from UPLINK.md §4.2, independently of {@code
 * EnvelopeSealer}: for envelopes that are malformed on purpose, and for envelopes whose
 * cryptography another library did. Every field is taken as given, so a test can put anything in
 * any of them.
 */
record Sme1(
        int version,
        int suite,
        int flags,
        byte[] gatewayId,
        long epoch,
        long seq,
        long createdMs,
        byte[] recipientKid,
        byte[] dekId,
        byte[] wrappedDek,
        byte[] nonce,
        byte[] epochSignature) {

    /** SM4-GCM as some library does it: returns ciphertext || 16-byte tag. */
    @FunctionalInterface
    interface Gcm {
        byte[] seal(byte[] nonce, byte[] aad, byte[] plaintext) throws Exception;
    }

    /**
     * A well-formed header for {@code wrappedDek} (whatever it holds): kid of {@code recipient},
     * dek_id = SM3(wrapped_dek)[0..16], random nonce, and the per-epoch signature (§4.4) by {@code
     * signer} when it is not null.
     */
    static Sme1 of(
            String gateway,
            long epoch,
            long seq,
            PublicKey recipient,
            byte[] wrappedDek,
            PrivateKey signer,
            boolean deflated)
            throws Exception {
        byte[] dekId = Arrays.copyOf(ShangMi.sm3(wrappedDek), 16);
        byte[] kid = ShangMi.keyId(recipient);
        byte[] sig = new byte[0];
        if (signer != null) {
            sig =
                    ShangMi.sign(
                            signer,
                            Envelope.epochSignedBytes(gateway, epoch, kid, dekId, wrappedDek));
        }
        byte[] nonce = new byte[12];
        new java.security.SecureRandom().nextBytes(nonce);
        int flags =
                (deflated ? Envelope.FLAG_DEFLATE : 0)
                        | (sig.length > 0 ? Envelope.FLAG_EPOCH_SIGNATURE : 0);
        return new Sme1(
                1,
                1,
                flags,
                gateway.getBytes(StandardCharsets.UTF_8),
                epoch,
                seq,
                System.currentTimeMillis(),
                kid,
                dekId,
                wrappedDek,
                nonce,
                sig);
    }

    Sme1 withSignature(byte[] sig) {
        return new Sme1(
                version,
                suite,
                flags | (sig.length > 0 ? Envelope.FLAG_EPOCH_SIGNATURE : 0),
                gatewayId,
                epoch,
                seq,
                createdMs,
                recipientKid,
                dekId,
                wrappedDek,
                nonce,
                sig);
    }

    /** The header through ct_len for a payload of {@code payloadLength} bytes: the GCM AAD. */
    byte[] header(int payloadLength) {
        ByteBuffer bb =
                ByteBuffer.allocate(
                        9
                                + gatewayId.length
                                + 24
                                + 32
                                + 2
                                + wrappedDek.length
                                + 12
                                + 2
                                + epochSignature.length
                                + 4);
        bb.put(new byte[] {'S', 'M', 'E', '1'}).put((byte) version).put((byte) suite);
        bb.putShort((short) flags).put((byte) gatewayId.length).put(gatewayId);
        bb.putLong(epoch).putLong(seq).putLong(createdMs).put(recipientKid).put(dekId);
        bb.putShort((short) wrappedDek.length).put(wrappedDek).put(nonce);
        bb.putShort((short) epochSignature.length).put(epochSignature);
        bb.putInt(payloadLength + 16);
        return bb.array();
    }

    /** The whole envelope: header, then {@code gcm} over the payload with the header as AAD. */
    byte[] seal(byte[] payload, Gcm gcm) throws Exception {
        byte[] header = header(payload.length);
        byte[] ct = gcm.seal(nonce, header, payload);
        byte[] out = Arrays.copyOf(header, header.length + ct.length);
        System.arraycopy(ct, 0, out, header.length, ct.length);
        return out;
    }

    /** SM4-GCM with Bouncy Castle under {@code dek}. */
    static Gcm bouncyCastle(byte[] dek) {
        return (nonce, aad, plaintext) -> {
            GCMModeCipher gcm = GCMBlockCipher.newInstance(new SM4Engine());
            gcm.init(true, new AEADParameters(new KeyParameter(dek), 128, nonce));
            gcm.processAADBytes(aad, 0, aad.length);
            byte[] out = new byte[plaintext.length + 16];
            int k = gcm.processBytes(plaintext, 0, plaintext.length, out, 0);
            gcm.doFinal(out, k);
            return out;
        };
    }
}
