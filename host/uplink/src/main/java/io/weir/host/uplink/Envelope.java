package io.weir.host.uplink;

import io.weir.host.uplink.EnvelopeRejected.Reason;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The "SME1" digital envelope of UPLINK.md §4: one sealed point batch. All integers big-endian.
 *
 * <pre>
 * magic "SME1" | version u8 | suite u8 | flags u16 | gw_len u8 | gateway_id | epoch u64 | seq u64
 * | created_ms u64 | recipient_kid[16] | dek_id[16] | wrapped_len u16 | wrapped_dek
 * | nonce[12] | sig_len u16 | epoch_sig | ct_len u32 | ciphertext || tag[16]
 * </pre>
 *
 * The AAD of SM4-GCM is every byte from offset 0 through {@code ct_len} inclusive.
 */
public record Envelope(
        int version,
        int suite,
        int flags,
        String gatewayId,
        long epoch,
        long seq,
        long createdMs,
        byte[] recipientKid,
        byte[] dekId,
        byte[] wrappedDek,
        byte[] nonce,
        byte[] epochSignature,
        int aadLength,
        int ciphertextOffset,
        int ciphertextLength) {

    public static final byte[] MAGIC = {'S', 'M', 'E', '1'};
    public static final int VERSION = 1;

    /**
     * SM2 key transport (raw C1||C3||C2, GB/T 32918.4-2016) + SM4-GCM, 96-bit nonce, 128-bit tag.
     */
    public static final int SUITE_SM2_SM4_GCM = 1;

    /** Payload is raw DEFLATE (RFC 1951) of the point batch. */
    public static final int FLAG_DEFLATE = 0x0001;

    /** {@code epoch_sig} present (sig_len > 0). */
    public static final int FLAG_EPOCH_SIGNATURE = 0x0002;

    static final int KNOWN_FLAGS = FLAG_DEFLATE | FLAG_EPOCH_SIGNATURE;
    public static final int KID_LENGTH = 16;
    public static final int NONCE_LENGTH = 12;
    public static final int TAG_LENGTH = 16;
    public static final int MAX_GATEWAY_ID = 64;

    /**
     * Suite 1's wrapped DEK: SM2 ciphertext of a 16-byte key in raw C1||C3||C2 order with C1
     * uncompressed, {@code 04 || x[32] || y[32] || C3[32] || C2[16]} (UPLINK.md §4.2).
     */
    public static final int WRAPPED_DEK_LENGTH = 1 + 32 + 32 + 32 + 16;

    /** SEC 1 §2.3.3: the first byte of an uncompressed elliptic-curve point. */
    public static final int UNCOMPRESSED_POINT = 0x04;

    /** Domain-separation prefix of the per-epoch signature (UPLINK.md §4.4). */
    static final byte[] EPOCH_SIG_CONTEXT = "SME1-EPOCH".getBytes(StandardCharsets.US_ASCII);

    /** The key (gateway, epoch, seq) that the receiver dedupes on. */
    public String key() {
        return gatewayId + "/" + Long.toUnsignedString(epoch, 16) + "/" + seq;
    }

    /** Parses the header and checks the framing; does not decrypt. */
    public static Envelope parse(byte[] b) throws EnvelopeRejected {
        Cursor c = new Cursor(b);
        byte[] magic = c.bytes(4, "magic");
        if (!Arrays.equals(magic, MAGIC)) {
            throw new EnvelopeRejected(
                    Reason.BAD_MAGIC,
                    "envelope starts with "
                            + hex(magic)
                            + ", expected 534d4531 (\"SME1\"); not a Weir uplink batch");
        }
        int version = c.u8("version");
        if (version != VERSION) {
            throw new EnvelopeRejected(
                    Reason.UNSUPPORTED_VERSION,
                    "envelope version " + version + ", this receiver reads version " + VERSION);
        }
        int suite = c.u8("suite");
        if (suite != SUITE_SM2_SM4_GCM) {
            throw new EnvelopeRejected(
                    Reason.UNSUPPORTED_SUITE,
                    "suite " + suite + " unknown (1 = SM2 key transport + SM4-GCM)");
        }
        int flags = c.u16("flags");
        if ((flags & ~KNOWN_FLAGS) != 0) {
            throw new EnvelopeRejected(
                    Reason.UNKNOWN_FLAGS,
                    String.format(
                            "flags 0x%04x carry unknown bits 0x%04x", flags, flags & ~KNOWN_FLAGS));
        }
        int gwLen = c.u8("gw_len");
        if (gwLen == 0 || gwLen > MAX_GATEWAY_ID) {
            throw new EnvelopeRejected(
                    Reason.MALFORMED, "gw_len " + gwLen + " outside 1.." + MAX_GATEWAY_ID);
        }
        String gw = new String(c.bytes(gwLen, "gateway_id"), StandardCharsets.UTF_8);
        long epoch = c.u64("epoch");
        long seq = c.u64("seq");
        long created = c.u64("created_ms");
        byte[] kid = c.bytes(KID_LENGTH, "recipient_kid");
        byte[] dekId = c.bytes(KID_LENGTH, "dek_id");
        int wrappedLen = c.u16("wrapped_len");
        if (wrappedLen != WRAPPED_DEK_LENGTH) {
            throw new EnvelopeRejected(
                    Reason.MALFORMED,
                    "wrapped_len "
                            + wrappedLen
                            + ", suite 1 requires "
                            + WRAPPED_DEK_LENGTH
                            + " (raw SM2 04||x||y||C3||C2 of a 16-byte key)"
                            + wrappedKeyHint(b, c.pos, wrappedLen));
        }
        byte[] wrapped = c.bytes(wrappedLen, "wrapped_dek");
        if ((wrapped[0] & 0xFF) != UNCOMPRESSED_POINT) {
            throw new EnvelopeRejected(
                    Reason.MALFORMED,
                    String.format(
                            "wrapped_dek starts with 0x%02x, suite 1 requires 0x04 (C1 as an"
                                    + " uncompressed point); a C1 without its 04 prefix is not"
                                    + " accepted",
                            wrapped[0] & 0xFF));
        }
        byte[] nonce = c.bytes(NONCE_LENGTH, "nonce");
        int sigLen = c.u16("sig_len");
        byte[] sig = c.bytes(sigLen, "epoch_sig");
        if (((flags & FLAG_EPOCH_SIGNATURE) != 0) != (sigLen > 0)) {
            throw new EnvelopeRejected(
                    Reason.MALFORMED,
                    "flag epoch-signature is "
                            + ((flags & FLAG_EPOCH_SIGNATURE) != 0)
                            + " but sig_len is "
                            + sigLen);
        }
        long ctLen = c.u32("ct_len");
        int aadLen = c.pos;
        if (ctLen < TAG_LENGTH || ctLen != b.length - aadLen) {
            throw new EnvelopeRejected(
                    Reason.MALFORMED,
                    "ct_len "
                            + ctLen
                            + " but "
                            + (b.length - aadLen)
                            + " bytes follow the header (must be equal and >= 16)");
        }
        return new Envelope(
                version,
                suite,
                flags,
                gw,
                epoch,
                seq,
                created,
                kid,
                dekId,
                wrapped,
                nonce,
                sig,
                aadLen,
                aadLen,
                (int) ctLen);
    }

    /**
     * What a wrapped key of the wrong length most likely is, for the rejection message: the two
     * forms other SM2 libraries produce (UPLINK.md §4.2 "Interop").
     */
    private static String wrappedKeyHint(byte[] b, int offset, int len) {
        if (len == WRAPPED_DEK_LENGTH - 1) {
            return "; 112 bytes is what a library that omits C1's 0x04 prefix produces";
        }
        if (len > 0 && offset < b.length && (b[offset] & 0xFF) == 0x30) {
            return "; it starts with 0x30, a DER SM2Cipher (GM/T 0009, OpenSSL's form):"
                    + " convert it to raw C1||C3||C2";
        }
        return "";
    }

    /** The bytes the per-epoch signature covers (UPLINK.md §4.4). */
    public static byte[] epochSignedBytes(
            String gatewayId, long epoch, byte[] recipientKid, byte[] dekId, byte[] wrappedDek) {
        byte[] gw = gatewayId.getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer bb =
                java.nio.ByteBuffer.allocate(
                        EPOCH_SIG_CONTEXT.length
                                + 1
                                + gw.length
                                + 8
                                + 16
                                + 16
                                + 2
                                + wrappedDek.length);
        bb.put(EPOCH_SIG_CONTEXT).put((byte) gw.length).put(gw).putLong(epoch);
        bb.put(recipientKid).put(dekId).putShort((short) wrappedDek.length).put(wrappedDek);
        return bb.array();
    }

    /**
     * Text that came from a peer (a gateway id in a header, a receiver's ACK message) made safe for
     * a log line or a terminal: control characters, including ESC of terminal escape sequences,
     * become {@code \\uXXXX}.
     */
    public static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    public static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length * 2);
        for (byte x : b) {
            sb.append(Character.forDigit((x >> 4) & 0xF, 16))
                    .append(Character.forDigit(x & 0xF, 16));
        }
        return sb.toString();
    }

    private static final class Cursor {
        final byte[] b;
        int pos;

        Cursor(byte[] b) {
            this.b = b;
        }

        void need(int n, String field) throws EnvelopeRejected {
            if (b.length - pos < n) {
                throw new EnvelopeRejected(
                        Reason.MALFORMED,
                        "envelope of "
                                + b.length
                                + " bytes ends inside field "
                                + field
                                + " at offset "
                                + pos);
            }
        }

        int u8(String f) throws EnvelopeRejected {
            need(1, f);
            return b[pos++] & 0xFF;
        }

        int u16(String f) throws EnvelopeRejected {
            need(2, f);
            int v = ((b[pos] & 0xFF) << 8) | (b[pos + 1] & 0xFF);
            pos += 2;
            return v;
        }

        long u32(String f) throws EnvelopeRejected {
            return bigEndian(4, f);
        }

        long u64(String f) throws EnvelopeRejected {
            return bigEndian(8, f);
        }

        /** The next {@code n} bytes (at most 8) as an unsigned big-endian number. */
        private long bigEndian(int n, String f) throws EnvelopeRejected {
            need(n, f);
            long v = 0;
            for (int i = 0; i < n; i++) {
                v = (v << 8) | (b[pos++] & 0xFF);
            }
            return v;
        }

        byte[] bytes(int n, String f) throws EnvelopeRejected {
            need(n, f);
            byte[] out = Arrays.copyOfRange(b, pos, pos + n);
            pos += n;
            return out;
        }
    }
}
