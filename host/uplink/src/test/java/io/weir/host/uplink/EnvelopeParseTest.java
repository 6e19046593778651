package io.weir.host.uplink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.host.uplink.EnvelopeRejected.Reason;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The receiver's first look at an envelope (UPLINK.md §4.2): {@link Envelope#parse} refuses every
 * header that breaks the layout with a reason and a message that names the field, before any key is
 * touched. Headers are written here field by field, so each rule is tried at its limit.
 */
class EnvelopeParseTest {

    /** An SME1 header written field by field; the ciphertext is filler, parse does not decrypt. */
    static final class Header {
        byte[] magic = Envelope.MAGIC.clone();
        int version = 1;
        int suite = 1;
        int flags;
        byte[] gatewayId = "gw-01".getBytes(StandardCharsets.UTF_8);
        int gwLen = -1;
        long epoch = 0x8877665544332211L;
        long seq = 0x0102030405060708L;
        long createdMs = 0x1122334455667788L;
        byte[] kid = filled(16, 0x6b);
        byte[] dekId = filled(16, 0x64);
        byte[] wrapped = filled(113, 0x04);
        int wrappedLen = -1;
        byte[] nonce = filled(12, 0x6e);
        byte[] sig = new byte[0];
        long ctLen = -1;
        int ctBytes = 16;

        byte[] bytes() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(magic);
            out.write(version);
            out.write(suite);
            out.writeBytes(u16(flags));
            out.write(gwLen < 0 ? gatewayId.length : gwLen);
            out.writeBytes(gatewayId);
            for (long v : new long[] {epoch, seq, createdMs}) {
                out.writeBytes(ByteBuffer.allocate(8).putLong(v).array());
            }
            out.writeBytes(kid);
            out.writeBytes(dekId);
            out.writeBytes(u16(wrappedLen < 0 ? wrapped.length : wrappedLen));
            out.writeBytes(wrapped);
            out.writeBytes(nonce);
            out.writeBytes(u16(sig.length));
            out.writeBytes(sig);
            out.writeBytes(
                    ByteBuffer.allocate(4).putInt((int) (ctLen < 0 ? ctBytes : ctLen)).array());
            out.writeBytes(filled(ctBytes, 0x63));
            return out.toByteArray();
        }
    }

    static byte[] u16(int v) {
        return new byte[] {(byte) (v >>> 8), (byte) v};
    }

    static byte[] filled(int n, int first) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) 0x5a);
        if (n > 0) {
            b[0] = (byte) first;
        }
        return b;
    }

    static EnvelopeRejected rejection(byte[] env) {
        try {
            Envelope.parse(env);
        } catch (EnvelopeRejected e) {
            return e;
        }
        throw new AssertionError("parsed: " + Envelope.hex(env));
    }

    static String message(byte[] env) {
        return rejection(env).getMessage();
    }

    @Test
    void aWellFormedHeaderParsesToItsFields() throws Exception {
        Header h = new Header();
        h.flags = Envelope.FLAG_DEFLATE | Envelope.FLAG_EPOCH_SIGNATURE;
        h.sig = filled(71, 0x30);
        h.ctBytes = 40;
        byte[] b = h.bytes();
        Envelope e = Envelope.parse(b);
        assertThat(e.version()).isEqualTo(1);
        assertThat(e.suite()).isEqualTo(1);
        assertThat(e.flags()).isEqualTo(3);
        assertThat(e.gatewayId()).isEqualTo("gw-01");
        assertThat(e.epoch()).isEqualTo(0x8877665544332211L);
        assertThat(e.seq()).isEqualTo(0x0102030405060708L);
        assertThat(e.createdMs()).isEqualTo(0x1122334455667788L);
        assertThat(e.recipientKid()).isEqualTo(h.kid);
        assertThat(e.dekId()).isEqualTo(h.dekId);
        assertThat(e.wrappedDek()).isEqualTo(h.wrapped);
        assertThat(e.nonce()).isEqualTo(h.nonce);
        assertThat(e.epochSignature()).isEqualTo(h.sig);
        int aad = 4 + 4 + 1 + 5 + 24 + 32 + 2 + 113 + 12 + 2 + 71 + 4;
        assertThat(e.aadLength()).isEqualTo(aad);
        assertThat(e.ciphertextOffset()).isEqualTo(aad);
        assertThat(e.ciphertextLength()).isEqualTo(40);
        assertThat(b.length).isEqualTo(aad + 40);
        assertThat(e.key()).isEqualTo("gw-01/8877665544332211/72623859790382856");
    }

    /**
     * An envelope cut at any byte of any header field is MALFORMED and names that field and where
     * it starts: a truncation never reads past the end.
     */
    @Test
    void aTruncationInsideAnyFieldNamesTheField() throws Exception {
        KeyPair receiver = EnvelopeSealerTest.sm2();
        byte[] env =
                new EnvelopeSealer(
                                "gw-01",
                                receiver.getPublic(),
                                EnvelopeSealerTest.sm2().getPrivate(),
                                new SecureRandom())
                        .seal(3, 4, PointBatch.encode(SamplePoints.all()), false);
        int sigLen = Envelope.parse(env).epochSignature().length;
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (Object[] f :
                new Object[][] {
                    {"magic", 4},
                    {"version", 1},
                    {"suite", 1},
                    {"flags", 2},
                    {"gw_len", 1},
                    {"gateway_id", 5},
                    {"epoch", 8},
                    {"seq", 8},
                    {"created_ms", 8},
                    {"recipient_kid", 16},
                    {"dek_id", 16},
                    {"wrapped_len", 2},
                    {"wrapped_dek", 113},
                    {"nonce", 12},
                    {"sig_len", 2},
                    {"epoch_sig", sigLen},
                    {"ct_len", 4}
                }) {
            sizes.put((String) f[0], (Integer) f[1]);
        }
        int start = 0;
        int checked = 0;
        for (Map.Entry<String, Integer> f : sizes.entrySet()) {
            for (int cut = start; cut < start + f.getValue(); cut++) {
                EnvelopeRejected r = rejection(Arrays.copyOf(env, cut));
                assertThat(r.reason()).isEqualTo(Reason.MALFORMED);
                assertThat(r.getMessage())
                        .as("cut at %d inside %s", cut, f.getKey())
                        .isEqualTo(
                                "MALFORMED: envelope of "
                                        + cut
                                        + " bytes ends inside field "
                                        + f.getKey()
                                        + " at offset "
                                        + start);
                checked++;
            }
            start += f.getValue();
        }
        assertThat(start).isEqualTo(Envelope.parse(env).aadLength());
        assertThat(checked).isEqualTo(start);
        // Cut inside the ciphertext, or one byte too many: ct_len disagrees.
        assertThat(message(Arrays.copyOf(env, env.length - 1)))
                .startsWith("MALFORMED: ct_len " + (env.length - start) + " but ");
        assertThat(message(Arrays.copyOf(env, env.length + 1)))
                .startsWith("MALFORMED: ct_len " + (env.length - start) + " but ");
    }

    @Test
    void aForeignMagicVersionSuiteOrFlagIsRefusedWithItsReason() {
        Header magic = new Header();
        magic.magic = new byte[] {'S', 'M', 'E', '2'};
        EnvelopeRejected r = rejection(magic.bytes());
        assertThat(r.reason()).isEqualTo(Reason.BAD_MAGIC);
        assertThat(r.detail())
                .isEqualTo(
                        "envelope starts with 534d4532, expected 534d4531 (\"SME1\"); not a Weir"
                                + " uplink batch");
        for (int v : new int[] {0, 2, 255}) {
            Header h = new Header();
            h.version = v;
            r = rejection(h.bytes());
            assertThat(r.reason()).isEqualTo(Reason.UNSUPPORTED_VERSION);
            assertThat(r.detail())
                    .isEqualTo("envelope version " + v + ", this receiver reads version 1");
        }
        for (int s : new int[] {0, 2, 129}) {
            Header h = new Header();
            h.suite = s;
            r = rejection(h.bytes());
            assertThat(r.reason()).isEqualTo(Reason.UNSUPPORTED_SUITE);
            assertThat(r.detail())
                    .isEqualTo("suite " + s + " unknown (1 = SM2 key transport + SM4-GCM)");
        }
        for (int flags : new int[] {0x0004, 0x0100, 0x8001, 0xffff}) {
            Header h = new Header();
            h.flags = flags;
            r = rejection(h.bytes());
            assertThat(r.reason()).isEqualTo(Reason.UNKNOWN_FLAGS);
            assertThat(r.detail())
                    .isEqualTo(
                            String.format(
                                    "flags 0x%04x carry unknown bits 0x%04x", flags, flags & ~0x3));
        }
    }

    @Test
    void gatewayIdsOfOneTo64BytesAreAccepted() throws Exception {
        for (String gw : new String[] {"g", "g".repeat(64), "泵".repeat(21)}) {
            Header h = new Header();
            h.gatewayId = gw.getBytes(StandardCharsets.UTF_8);
            assertThat(Envelope.parse(h.bytes()).gatewayId()).isEqualTo(gw);
        }
        for (int len : new int[] {0, 65, 255}) {
            Header h = new Header();
            h.gatewayId = filled(len, 'g');
            EnvelopeRejected r = rejection(h.bytes());
            assertThat(r.reason()).isEqualTo(Reason.MALFORMED);
            assertThat(r.detail()).isEqualTo("gw_len " + len + " outside 1..64");
        }
    }

    /** The one rule for wrapped keys (UPLINK.md §4.2): 113 bytes, starting 04, else MALFORMED. */
    @Test
    void wrappedKeysOtherThan113BytesStarting04AreMalformedAndNamed() {
        String rule = ", suite 1 requires 113 (raw SM2 04||x||y||C3||C2 of a 16-byte key)";
        Map<byte[], String> cases = new LinkedHashMap<>();
        cases.put(new byte[0], "wrapped_len 0" + rule);
        cases.put(
                filled(112, 0x04),
                "wrapped_len 112"
                        + rule
                        + "; 112 bytes is what a library that omits C1's 0x04 prefix produces");
        cases.put(filled(114, 0x04), "wrapped_len 114" + rule);
        cases.put(
                filled(123, 0x30),
                "wrapped_len 123"
                        + rule
                        + "; it starts with 0x30, a DER SM2Cipher (GM/T 0009, OpenSSL's form):"
                        + " convert it to raw C1||C3||C2");
        cases.put(filled(81, 0x02), "wrapped_len 81" + rule);
        cases.put(
                filled(113, 0x02),
                "wrapped_dek starts with 0x02, suite 1 requires 0x04 (C1 as an uncompressed"
                        + " point); a C1 without its 04 prefix is not accepted");
        cases.put(
                filled(113, 0x84),
                "wrapped_dek starts with 0x84, suite 1 requires 0x04 (C1 as an uncompressed"
                        + " point); a C1 without its 04 prefix is not accepted");
        for (Map.Entry<byte[], String> c : cases.entrySet()) {
            Header h = new Header();
            h.wrapped = c.getKey();
            EnvelopeRejected r = rejection(h.bytes());
            assertThat(r.reason()).isEqualTo(Reason.MALFORMED);
            assertThat(r.detail())
                    .as("%d-byte wrapped key", c.getKey().length)
                    .isEqualTo(c.getValue());
        }
        // No wrapped key but a nonce that starts 0x30: not a DER key, no hint.
        Header empty = new Header();
        empty.wrapped = new byte[0];
        empty.nonce = filled(12, 0x30);
        assertThat(rejection(empty.bytes()).detail()).isEqualTo("wrapped_len 0" + rule);
        // A wrong length with the envelope ending right after it: the hint reads nothing.
        Header cut = new Header();
        cut.wrappedLen = 123;
        byte[] b = cut.bytes();
        byte[] ends = Arrays.copyOf(b, 9 + 5 + 24 + 32 + 2);
        assertThat(rejection(ends).detail()).isEqualTo("wrapped_len 123" + rule);
        // A u16 is read with its high byte: 0x0171 is 369, not 113.
        Header high = new Header();
        high.wrappedLen = 0x0171;
        assertThat(rejection(high.bytes()).detail()).startsWith("wrapped_len 369, ");
    }

    @Test
    void theSignatureFlagAndSigLenMustAgree() throws Exception {
        Header flagOnly = new Header();
        flagOnly.flags = Envelope.FLAG_EPOCH_SIGNATURE;
        assertThat(message(flagOnly.bytes()))
                .isEqualTo("MALFORMED: flag epoch-signature is true but sig_len is 0");
        Header sigOnly = new Header();
        sigOnly.flags = Envelope.FLAG_DEFLATE;
        sigOnly.sig = new byte[] {1, 2, 3};
        assertThat(message(sigOnly.bytes()))
                .isEqualTo("MALFORMED: flag epoch-signature is false but sig_len is 3");
        Header both = new Header();
        both.flags = Envelope.FLAG_EPOCH_SIGNATURE;
        both.sig = new byte[] {1};
        assertThat(Envelope.parse(both.bytes()).epochSignature()).containsExactly(1);
        Header neither = new Header();
        neither.flags = Envelope.FLAG_DEFLATE;
        assertThat(Envelope.parse(neither.bytes()).epochSignature()).isEmpty();
    }

    /** ct_len counts every byte after the header and at least the 16-byte tag. */
    @Test
    void ctLenMustMatchTheRestAndHoldATag() throws Exception {
        Header tagOnly = new Header();
        tagOnly.ctBytes = 16;
        assertThat(Envelope.parse(tagOnly.bytes()).ciphertextLength()).isEqualTo(16);
        Header big = new Header();
        big.ctBytes = 70_000;
        assertThat(Envelope.parse(big.bytes()).ciphertextLength()).isEqualTo(70_000);
        Map<long[], String> cases = new LinkedHashMap<>();
        cases.put(new long[] {15, 15}, "ct_len 15 but 15 bytes follow");
        cases.put(new long[] {0, 0}, "ct_len 0 but 0 bytes follow");
        cases.put(new long[] {17, 16}, "ct_len 17 but 16 bytes follow");
        cases.put(new long[] {16, 17}, "ct_len 16 but 17 bytes follow");
        cases.put(new long[] {0xffffffffL, 16}, "ct_len 4294967295 but 16 bytes follow");
        cases.put(new long[] {0x80000010L, 16}, "ct_len 2147483664 but 16 bytes follow");
        for (Map.Entry<long[], String> c : cases.entrySet()) {
            Header h = new Header();
            h.ctLen = c.getKey()[0];
            h.ctBytes = (int) c.getKey()[1];
            assertThat(message(h.bytes()))
                    .isEqualTo(
                            "MALFORMED: " + c.getValue() + " the header (must be equal and >= 16)");
        }
    }

    @Test
    void epochSignedBytesAreUplinkMdsLayout() {
        byte[] kid = filled(16, 1);
        byte[] dek = filled(16, 2);
        byte[] wrapped = filled(113, 4);
        byte[] got = Envelope.epochSignedBytes("gw-é", 0x0102030405060708L, kid, dek, wrapped);
        ByteArrayOutputStream want = new ByteArrayOutputStream();
        want.writeBytes("SME1-EPOCH".getBytes(StandardCharsets.US_ASCII));
        want.write(5);
        want.writeBytes("gw-é".getBytes(StandardCharsets.UTF_8));
        want.writeBytes(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        want.writeBytes(kid);
        want.writeBytes(dek);
        want.writeBytes(new byte[] {0, 113});
        want.writeBytes(wrapped);
        assertThat(got).isEqualTo(want.toByteArray()).hasSize(10 + 1 + 5 + 8 + 32 + 2 + 113);
    }

    /** Peer text never reaches a log line raw: control characters and line separators escaped. */
    @Test
    void printableEscapesControlCharactersAndLineSeparatorsOnly() {
        assertThat(Envelope.printable("gw\u001b[2J\nFAKE\u0000\u007f\u0085\u2028\u2029\t"))
                .isEqualTo("gw\\u001b[2J\\u000aFAKE\\u0000\\u007f\\u0085\\u2028\\u2029\\u0009");
        assertThat(Envelope.printable("plain é 中 \u2027\u202a ~"))
                .isEqualTo("plain é 中 \u2027\u202a ~");
        assertThat(Envelope.printable("")).isEmpty();
    }

    @Test
    void hexIsLowerCaseTwoDigitsPerByte() {
        assertThat(Envelope.hex(new byte[] {0x0f, (byte) 0xa0, 0, (byte) 0xff, 0x7e}))
                .isEqualTo("0fa000ff7e");
        assertThat(Envelope.hex(new byte[0])).isEmpty();
    }

    /** The reason codes travel in the ACK (UPLINK.md §6): each keeps its number. */
    @Test
    void rejectionReasonsKeepTheirWireCodes() {
        List<Reason> inOrder =
                List.of(
                        Reason.MALFORMED,
                        Reason.BAD_MAGIC,
                        Reason.UNSUPPORTED_VERSION,
                        Reason.UNSUPPORTED_SUITE,
                        Reason.UNKNOWN_FLAGS,
                        Reason.GATEWAY_MISMATCH,
                        Reason.UNKNOWN_RECIPIENT_KEY,
                        Reason.DEK_ID_MISMATCH,
                        Reason.SIGNATURE_MISSING,
                        Reason.BAD_SIGNATURE,
                        Reason.DEK_UNWRAP_FAILED,
                        Reason.AUTH_TAG_MISMATCH,
                        Reason.PAYLOAD_MALFORMED,
                        Reason.REPLAY_CONFLICT,
                        Reason.STORE_FAILED);
        for (int i = 0; i < inOrder.size(); i++) {
            assertThat(inOrder.get(i).code).isEqualTo(i + 1);
            assertThat(Reason.ofCode(i + 1)).isEqualTo(inOrder.get(i));
        }
        // A code from a newer receiver is reported as malformed, never as a null reason.
        assertThat(Reason.ofCode(0)).isEqualTo(Reason.MALFORMED);
        assertThat(Reason.ofCode(99)).isEqualTo(Reason.MALFORMED);
        EnvelopeRejected e = new EnvelopeRejected(Reason.AUTH_TAG_MISMATCH, "tag of gw/1/2");
        assertThat(e.reason()).isEqualTo(Reason.AUTH_TAG_MISMATCH);
        assertThat(e.detail()).isEqualTo("tag of gw/1/2");
        assertThat(e.getMessage()).isEqualTo("AUTH_TAG_MISMATCH: tag of gw/1/2");
        assertThatThrownBy(() -> Envelope.parse(new byte[0]))
                .isInstanceOf(EnvelopeRejected.class)
                .hasMessage("MALFORMED: envelope of 0 bytes ends inside field magic at offset 0");
    }
}
