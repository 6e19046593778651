package io.weir.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.host.uplink.Envelope;
import io.weir.host.uplink.EnvelopeRejected;
import io.weir.host.uplink.EnvelopeRejected.Reason;
import io.weir.host.uplink.EnvelopeSealer;
import io.weir.host.uplink.PointBatch;
import io.weir.host.uplink.SamplePoints;
import io.weir.host.uplink.ShangMi;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvelopeTest {
    static KeyPair sm2() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC", ShangMi.provider());
        g.initialize(new ECGenParameterSpec("sm2p256v1"));
        return g.generateKeyPair();
    }

    @Test
    void roundTripSignedAndCompressed() throws Exception {
        KeyPair receiver = sm2();
        KeyPair gateway = sm2();
        EnvelopeSealer sealer =
                new EnvelopeSealer(
                        "gw-01", receiver.getPublic(), gateway.getPrivate(), new SecureRandom());
        byte[] payload = PointBatch.deflate(PointBatch.encode(SamplePoints.all()), 1);
        byte[] env = sealer.seal(1, 1234, payload, true);
        EnvelopeOpener opener =
                new EnvelopeOpener(
                        List.of(receiver.getPrivate()), List.of(receiver.getPublic()), true);
        EnvelopeOpener.Opened o = opener.open(env, "gw-01", gateway.getPublic());
        assertThat(o.envelope().seq()).isEqualTo(1);
        assertThat(o.envelope().epoch()).isEqualTo(sealer.epoch());
        assertThat(o.envelope().createdMs()).isEqualTo(1234);
        assertThat(o.points()).isEqualTo(SamplePoints.all());
        // The per-epoch key is wrapped once: same dek_id across batches, fresh nonce per batch.
        byte[] env2 = sealer.seal(2, 1235, payload, true);
        Envelope h1 = Envelope.parse(env);
        Envelope h2 = Envelope.parse(env2);
        assertThat(h2.dekId()).isEqualTo(h1.dekId());
        assertThat(h2.nonce()).isNotEqualTo(h1.nonce());
        long oldEpoch = sealer.epoch();
        sealer.newEpoch();
        assertThat(sealer.epoch()).isNotEqualTo(oldEpoch);
        Envelope h3 = Envelope.parse(sealer.seal(1, 1236, payload, true));
        assertThat(h3.dekId()).isNotEqualTo(h1.dekId());
    }

    @Test
    void unknownRecipientKeyIsRejected() throws Exception {
        KeyPair receiver = sm2();
        KeyPair other = sm2();
        EnvelopeSealer sealer =
                new EnvelopeSealer("gw", other.getPublic(), null, new SecureRandom());
        byte[] env = sealer.seal(1, 0, PointBatch.encode(SamplePoints.all()), false);
        EnvelopeOpener opener =
                new EnvelopeOpener(
                        List.of(receiver.getPrivate()), List.of(receiver.getPublic()), false);
        assertThatThrownBy(() -> opener.open(env, "gw", null))
                .isInstanceOfSatisfying(
                        EnvelopeRejected.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_RECIPIENT_KEY));
    }

    @Test
    void missingSignatureRejectedWhenRequired() throws Exception {
        KeyPair receiver = sm2();
        EnvelopeSealer sealer =
                new EnvelopeSealer("gw", receiver.getPublic(), null, new SecureRandom());
        byte[] env = sealer.seal(1, 0, PointBatch.encode(SamplePoints.all()), false);
        EnvelopeOpener strict =
                new EnvelopeOpener(
                        List.of(receiver.getPrivate()), List.of(receiver.getPublic()), true);
        assertThatThrownBy(() -> strict.open(env, "gw", null))
                .isInstanceOfSatisfying(
                        EnvelopeRejected.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.SIGNATURE_MISSING));
    }

    @Test
    void signatureFromAnotherGatewayKeyIsRejected() throws Exception {
        KeyPair receiver = sm2();
        KeyPair gateway = sm2();
        KeyPair impostor = sm2();
        EnvelopeSealer sealer =
                new EnvelopeSealer(
                        "gw", receiver.getPublic(), impostor.getPrivate(), new SecureRandom());
        byte[] env = sealer.seal(1, 0, PointBatch.encode(SamplePoints.all()), false);
        EnvelopeOpener opener =
                new EnvelopeOpener(
                        List.of(receiver.getPrivate()), List.of(receiver.getPublic()), true);
        assertThatThrownBy(() -> opener.open(env, "gw", gateway.getPublic()))
                .isInstanceOfSatisfying(
                        EnvelopeRejected.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.BAD_SIGNATURE));
    }

    /** Offsets of each field of a parsed envelope (UPLINK.md §4.2). */
    static Map<String, int[]> fields(byte[] env) throws Exception {
        Envelope e = Envelope.parse(env);
        Map<String, int[]> f = new LinkedHashMap<>();
        int o = 0;
        int gw = e.gatewayId().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        int[][] spans = {
            {o, 4},
            {4, 1},
            {5, 1},
            {6, 2},
            {8, 1},
            {9, gw},
            {9 + gw, 8},
            {17 + gw, 8},
            {25 + gw, 8},
            {33 + gw, 16},
            {49 + gw, 16},
            {65 + gw, 2},
            {67 + gw, e.wrappedDek().length},
        };
        String[] names = {
            "magic",
            "version",
            "suite",
            "flags",
            "gw_len",
            "gateway_id",
            "epoch",
            "seq",
            "created_ms",
            "recipient_kid",
            "dek_id",
            "wrapped_len",
            "wrapped_dek"
        };
        for (int i = 0; i < names.length; i++) {
            f.put(names[i], spans[i]);
        }
        int p = 67 + gw + e.wrappedDek().length;
        f.put("nonce", new int[] {p, 12});
        f.put("sig_len", new int[] {p + 12, 2});
        f.put("epoch_sig", new int[] {p + 14, e.epochSignature().length});
        f.put("ct_len", new int[] {e.aadLength() - 4, 4});
        f.put("ciphertext", new int[] {e.ciphertextOffset(), e.ciphertextLength() - 16});
        f.put("tag", new int[] {env.length - 16, 16});
        return f;
    }

    @Test
    void everyFlippedBitInEveryFieldIsRejectedWithItsReason() throws Exception {
        KeyPair receiver = sm2();
        KeyPair gateway = sm2();
        EnvelopeSealer sealer =
                new EnvelopeSealer(
                        "gw-01", receiver.getPublic(), gateway.getPrivate(), new SecureRandom());
        byte[] env =
                sealer.seal(
                        7, 99, PointBatch.deflate(PointBatch.encode(SamplePoints.all()), 1), true);
        EnvelopeOpener opener =
                new EnvelopeOpener(
                        List.of(receiver.getPrivate()), List.of(receiver.getPublic()), true);
        opener.open(env, "gw-01", gateway.getPublic()); // sanity: the untouched envelope opens
        Map<String, Reason> expected = new LinkedHashMap<>();
        expected.put("magic", Reason.BAD_MAGIC);
        expected.put("version", Reason.UNSUPPORTED_VERSION);
        expected.put("suite", Reason.UNSUPPORTED_SUITE);
        expected.put("gateway_id", Reason.GATEWAY_MISMATCH);
        expected.put("epoch", Reason.BAD_SIGNATURE);
        expected.put("seq", Reason.AUTH_TAG_MISMATCH);
        expected.put("created_ms", Reason.AUTH_TAG_MISMATCH);
        expected.put("recipient_kid", Reason.UNKNOWN_RECIPIENT_KEY);
        expected.put("dek_id", Reason.DEK_ID_MISMATCH);
        expected.put("wrapped_dek", Reason.DEK_ID_MISMATCH);
        expected.put("nonce", Reason.AUTH_TAG_MISMATCH);
        expected.put("epoch_sig", Reason.BAD_SIGNATURE);
        expected.put("ciphertext", Reason.AUTH_TAG_MISMATCH);
        expected.put("tag", Reason.AUTH_TAG_MISMATCH);
        Map<String, int[]> fields = fields(env);
        int checked = 0;
        for (Map.Entry<String, int[]> f : fields.entrySet()) {
            int[] span = f.getValue();
            for (int i = span[0]; i < span[0] + span[1]; i++) {
                for (int bit = 0; bit < 8; bit += 7) {
                    byte[] bad = env.clone();
                    bad[i] ^= (byte) (1 << bit);
                    try {
                        opener.open(bad, "gw-01", gateway.getPublic());
                        throw new AssertionError(
                                "flipped bit "
                                        + bit
                                        + " of byte "
                                        + i
                                        + " ("
                                        + f.getKey()
                                        + ") was accepted");
                    } catch (EnvelopeRejected e) {
                        checked++;
                        Reason want = expected.get(f.getKey());
                        if (f.getKey().equals("wrapped_dek") && i == span[0]) {
                            want = Reason.MALFORMED; // C1 must start 04 (UPLINK.md §4.2)
                        }
                        if (want != null) {
                            assertThat(e.reason())
                                    .as(
                                            "field %s byte %d bit %d: %s",
                                            f.getKey(), i, bit, e.getMessage())
                                    .isEqualTo(want);
                        }
                        assertThat(e.getMessage()).isNotBlank();
                    }
                }
            }
        }
        assertThat(checked).isEqualTo(env.length * 2);
        assertThat(fields.get("tag")[0] + 16).isEqualTo(env.length);
    }

    @Test
    void truncatedAndExtendedEnvelopesAreMalformed() throws Exception {
        KeyPair receiver = sm2();
        EnvelopeSealer sealer =
                new EnvelopeSealer("gw", receiver.getPublic(), null, new SecureRandom());
        byte[] env = sealer.seal(1, 0, PointBatch.encode(SamplePoints.all()), false);
        EnvelopeOpener opener =
                new EnvelopeOpener(
                        List.of(receiver.getPrivate()), List.of(receiver.getPublic()), false);
        for (int len : new int[] {0, 3, 10, 60, env.length - 1}) {
            byte[] cut = java.util.Arrays.copyOf(env, len);
            assertThatThrownBy(() -> opener.open(cut, "gw", null))
                    .isInstanceOfSatisfying(
                            EnvelopeRejected.class,
                            e -> assertThat(e.reason()).isIn(Reason.MALFORMED, Reason.BAD_MAGIC));
        }
        byte[] longer = java.util.Arrays.copyOf(env, env.length + 1);
        assertThatThrownBy(() -> opener.open(longer, "gw", null))
                .isInstanceOfSatisfying(
                        EnvelopeRejected.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED));
    }

    static EnvelopeOpener opener(KeyPair receiver, boolean requireSignature) {
        return new EnvelopeOpener(
                List.of(receiver.getPrivate()), List.of(receiver.getPublic()), requireSignature);
    }

    static Reason reasonOf(EnvelopeOpener o, byte[] env, String gw, KeyPair gateway) {
        try {
            o.open(env, gw, gateway == null ? null : gateway.getPublic());
            return null;
        } catch (EnvelopeRejected e) {
            return e.reason();
        }
    }

    static String messageOf(EnvelopeOpener o, byte[] env) {
        try {
            o.open(env, "gw-01", null);
            return "opened";
        } catch (EnvelopeRejected e) {
            return e.getMessage();
        }
    }

    /**
     * UPLINK.md §4.2: an envelope cut at any byte of any number field is MALFORMED and the message
     * names that field (a truncation inside a field must not read past the end).
     */
    @Test
    void aTruncationInsideAnyNumberFieldNamesTheField() throws Exception {
        KeyPair receiver = sm2();
        byte[] env =
                new EnvelopeSealer(
                                "gw-01",
                                receiver.getPublic(),
                                sm2().getPrivate(),
                                new SecureRandom())
                        .seal(3, 4, PointBatch.encode(SamplePoints.all()), false);
        Map<String, int[]> f = fields(env);
        EnvelopeOpener o = opener(receiver, false);
        int checked = 0;
        for (String field :
                List.of(
                        "magic",
                        "version",
                        "suite",
                        "flags",
                        "gw_len",
                        "gateway_id",
                        "epoch",
                        "seq",
                        "created_ms",
                        "recipient_kid",
                        "dek_id",
                        "wrapped_len",
                        "wrapped_dek",
                        "nonce",
                        "sig_len",
                        "epoch_sig",
                        "ct_len")) {
            int[] span = f.get(field);
            for (int cut = span[0]; cut < span[0] + span[1]; cut++) {
                String m = messageOf(o, java.util.Arrays.copyOf(env, cut));
                assertThat(m)
                        .as("cut at %d inside %s", cut, field)
                        .isEqualTo(
                                "MALFORMED: envelope of "
                                        + cut
                                        + " bytes ends inside field "
                                        + field
                                        + " at offset "
                                        + span[0]);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(f.get("ct_len")[0] + 4);
    }

    /** The one rule for wrapped keys (UPLINK.md §4.2): 113 bytes, starting 04, else MALFORMED. */
    @Test
    void wrappedKeysOtherThan113BytesStarting04AreMalformedAndNamed() throws Exception {
        KeyPair receiver = sm2();
        EnvelopeOpener o = opener(receiver, false);
        byte[] dek = new byte[16];
        Map<byte[], String> cases = new LinkedHashMap<>();
        cases.put(new byte[0], "wrapped_len 0, suite 1 requires 113");
        cases.put(
                filled(112, 0x11),
                "wrapped_len 112, suite 1 requires 113 (raw SM2 04||x||y||C3||C2 of a 16-byte key); 112 bytes is what a library that omits C1's 0x04 prefix produces");
        cases.put(
                filled(114, 0x04),
                "wrapped_len 114, suite 1 requires 113 (raw SM2 04||x||y||C3||C2 of a 16-byte key)");
        cases.put(filled(123, 0x30), "it starts with 0x30, a DER SM2Cipher");
        cases.put(filled(81, 0x02), "wrapped_len 81");
        cases.put(filled(113, 0x02), "wrapped_dek starts with 0x02, suite 1 requires 0x04");
        cases.put(filled(113, 0x00), "wrapped_dek starts with 0x00, suite 1 requires 0x04");
        for (Map.Entry<byte[], String> c : cases.entrySet()) {
            byte[] env =
                    Sme1.of("gw-01", 9, 1, receiver.getPublic(), c.getKey(), null, false)
                            .seal(new byte[] {1}, Sme1.bouncyCastle(dek));
            assertThat(messageOf(o, env))
                    .as("%d-byte wrapped key", c.getKey().length)
                    .startsWith("MALFORMED: ")
                    .contains(c.getValue());
        }
        // 04 || a point not on the curve is a wrapped key in form, and fails to unwrap.
        byte[] offCurve = filled(113, 0x07);
        offCurve[0] = 0x04;
        byte[] env =
                Sme1.of("gw-01", 9, 1, receiver.getPublic(), offCurve, null, false)
                        .seal(new byte[] {1}, Sme1.bouncyCastle(dek));
        assertThat(messageOf(o, env))
                .startsWith("DEK_UNWRAP_FAILED: wrapped data key is not a valid SM2 ciphertext");
    }

    static byte[] filled(int n, int first) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) 0x5a);
        if (n > 0) {
            b[0] = (byte) first;
        }
        return b;
    }

    /** Header limits of UPLINK.md §4.2, each at its boundary. */
    @Test
    void headerFieldsAreCheckedAtTheirLimits() throws Exception {
        KeyPair receiver = sm2();
        EnvelopeOpener o = opener(receiver, false);
        byte[] dek = new byte[16];
        new SecureRandom().nextBytes(dek);
        byte[] wrapped = wrap(receiver, dek);
        Sme1 good = Sme1.of("gw-01", 9, 1, receiver.getPublic(), wrapped, null, false);
        byte[] batch = PointBatch.encode(SamplePoints.all());
        assertThat(o.open(good.seal(batch, Sme1.bouncyCastle(dek)), "gw-01", null).points())
                .isEqualTo(SamplePoints.all());

        String gw64 = "g".repeat(64);
        Sme1 longest = Sme1.of(gw64, 9, 1, receiver.getPublic(), wrapped, null, false);
        assertThat(
                        o.open(longest.seal(batch, Sme1.bouncyCastle(dek)), gw64, null)
                                .envelope()
                                .gatewayId())
                .isEqualTo(gw64);
        Sme1 tooLong = Sme1.of("g".repeat(65), 9, 1, receiver.getPublic(), wrapped, null, false);
        assertThat(messageOf(o, tooLong.seal(batch, Sme1.bouncyCastle(dek))))
                .isEqualTo("MALFORMED: gw_len 65 outside 1..64");
        Sme1 empty = Sme1.of("", 9, 1, receiver.getPublic(), wrapped, null, false);
        assertThat(messageOf(o, empty.seal(batch, Sme1.bouncyCastle(dek))))
                .isEqualTo("MALFORMED: gw_len 0 outside 1..64");

        for (int flags : new int[] {0x0004, 0x0100, 0x8001}) {
            Sme1 h = withFlags(good, flags);
            assertThat(messageOf(o, h.seal(batch, Sme1.bouncyCastle(dek))))
                    .isEqualTo(
                            String.format(
                                    "UNKNOWN_FLAGS: flags 0x%04x carry unknown bits 0x%04x",
                                    flags, flags & ~0x3));
        }
        // The signature flag and sig_len must agree, both ways.
        assertThat(
                        messageOf(
                                o,
                                withFlags(good, Envelope.FLAG_EPOCH_SIGNATURE)
                                        .seal(batch, Sme1.bouncyCastle(dek))))
                .isEqualTo("MALFORMED: flag epoch-signature is true but sig_len is 0");
        Sme1 sigNoFlag = withFlags(good.withSignature(new byte[] {1, 2, 3}), 0);
        assertThat(messageOf(o, sigNoFlag.seal(batch, Sme1.bouncyCastle(dek))))
                .isEqualTo("MALFORMED: flag epoch-signature is false but sig_len is 3");

        // ct_len: 16 (an empty payload: only the tag) is well-formed; less is not.
        byte[] emptyPayload = good.seal(new byte[0], Sme1.bouncyCastle(dek));
        assertThat(Envelope.parse(emptyPayload).ciphertextLength()).isEqualTo(16);
        assertThat(messageOf(o, emptyPayload)).startsWith("PAYLOAD_MALFORMED: ");
        byte[] short15 = java.util.Arrays.copyOf(emptyPayload, emptyPayload.length - 1);
        java.nio.ByteBuffer.wrap(short15).putInt(Envelope.parse(emptyPayload).aadLength() - 4, 15);
        assertThat(messageOf(o, short15))
                .isEqualTo(
                        "MALFORMED: ct_len 15 but 15 bytes follow the header (must be equal and"
                                + " >= 16)");
        byte[] lying = emptyPayload.clone();
        java.nio.ByteBuffer.wrap(lying).putInt(Envelope.parse(emptyPayload).aadLength() - 4, 17);
        assertThat(messageOf(o, lying))
                .isEqualTo(
                        "MALFORMED: ct_len 17 but 16 bytes follow the header (must be equal and"
                                + " >= 16)");
        // A u16 field read with its high byte: wrapped_len 0x0171 is 369, not 113.
        byte[] big = good.seal(batch, Sme1.bouncyCastle(dek));
        big[9 + 5 + 56] = 0x01;
        assertThat(messageOf(o, big)).startsWith("MALFORMED: wrapped_len 369,");
    }

    static Sme1 withFlags(Sme1 h, int flags) {
        return new Sme1(
                h.version(),
                h.suite(),
                flags,
                h.gatewayId(),
                h.epoch(),
                h.seq(),
                h.createdMs(),
                h.recipientKid(),
                h.dekId(),
                h.wrappedDek(),
                h.nonce(),
                h.epochSignature());
    }

    static byte[] wrap(KeyPair receiver, byte[] dek) throws Exception {
        org.bouncycastle.crypto.engines.SM2Engine sm2 =
                new org.bouncycastle.crypto.engines.SM2Engine(
                        org.bouncycastle.crypto.engines.SM2Engine.Mode.C1C3C2);
        sm2.init(
                true,
                new org.bouncycastle.crypto.params.ParametersWithRandom(
                        org.bouncycastle.jcajce.provider.asymmetric.util.ECUtil
                                .generatePublicKeyParameter(receiver.getPublic()),
                        new SecureRandom()));
        return sm2.processBlock(dek, 0, dek.length);
    }

    /** The data key as the receiver unwraps it (kona-crypto, an independent SM2). */
    static byte[] unwrapWithKona(KeyPair receiver, byte[] wrapped) throws Exception {
        javax.crypto.Cipher c = javax.crypto.Cipher.getInstance("SM2", EnvelopeInterop.KONA);
        c.init(
                javax.crypto.Cipher.DECRYPT_MODE,
                new com.tencent.kona.crypto.provider.SM2PrivateKey(
                        (java.security.interfaces.ECPrivateKey) receiver.getPrivate()));
        return c.doFinal(Sm2Ciphertext.rawToDer(wrapped));
    }

    /** Each epoch — every start and every rotation — draws a fresh random data key. */
    @Test
    void everyEpochHasItsOwnRandomDataKey() throws Exception {
        KeyPair receiver = sm2();
        java.util.Set<String> keys = new java.util.HashSet<>();
        java.util.Set<Long> epochs = new java.util.HashSet<>();
        for (int start = 0; start < 2; start++) {
            EnvelopeSealer sealer =
                    new EnvelopeSealer("gw-01", receiver.getPublic(), null, new SecureRandom());
            for (int rotation = 0; rotation < 3; rotation++) {
                Envelope e = Envelope.parse(sealer.seal(1, 0, new byte[] {1}, false));
                byte[] dek = unwrapWithKona(receiver, e.wrappedDek());
                assertThat(dek).hasSize(16).isNotEqualTo(new byte[16]);
                keys.add(Envelope.hex(dek));
                epochs.add(e.epoch());
                assertThat(e.epoch()).isNotZero();
                sealer.newEpoch();
            }
        }
        assertThat(keys).as("distinct data keys").hasSize(6);
        assertThat(epochs).as("distinct epochs").hasSize(6);
    }

    /** Uncompressed and unsigned: the plaintext is the payload exactly as sealed. */
    @Test
    void anUnsignedUncompressedBatchOpensToItsExactPayload() throws Exception {
        KeyPair receiver = sm2();
        EnvelopeSealer sealer =
                new EnvelopeSealer("gw-01", receiver.getPublic(), null, new SecureRandom());
        byte[] payload = PointBatch.encode(SamplePoints.all());
        EnvelopeOpener.Opened o =
                opener(receiver, false).open(sealer.seal(5, 6, payload, false), "gw-01", null);
        assertThat(o.plaintext()).isEqualTo(payload);
        assertThat(o.points()).isEqualTo(SamplePoints.all());
        assertThat(o.envelope().flags()).isZero();
        assertThat(o.envelope().key())
                .isEqualTo("gw-01/" + Long.toUnsignedString(sealer.epoch(), 16) + "/5");
        byte[] deflated = PointBatch.deflate(payload, 1);
        EnvelopeOpener.Opened d =
                opener(receiver, false).open(sealer.seal(6, 6, deflated, true), "gw-01", null);
        assertThat(d.plaintext()).as("authenticated bytes, still deflated").isEqualTo(deflated);
        assertThat(d.points()).isEqualTo(SamplePoints.all());
    }

    @Test
    void hexIsLowerCaseTwoDigitsPerByte() {
        assertThat(Envelope.hex(new byte[] {0x0f, (byte) 0xa0, 0, (byte) 0xff}))
                .isEqualTo("0fa000ff");
        assertThat(Envelope.hex(new byte[0])).isEmpty();
    }

    /** The caches of unwrapped keys and verified signatures are bounded (memory of a receiver). */
    @Test
    void theOpenersCachesHoldAtMostTheirBound() throws Exception {
        KeyPair receiver = sm2();
        KeyPair gateway = sm2();
        EnvelopeOpener o =
                new EnvelopeOpener(
                        List.of(receiver.getPrivate()), List.of(receiver.getPublic()), true, 2);
        EnvelopeSealer sealer =
                new EnvelopeSealer(
                        "gw", receiver.getPublic(), gateway.getPrivate(), new SecureRandom());
        byte[] payload = PointBatch.encode(SamplePoints.all());
        for (int epoch = 1; epoch <= 3; epoch++) {
            o.open(sealer.seal(1, 0, payload, false), "gw", gateway.getPublic());
            o.open(sealer.seal(2, 0, payload, false), "gw", gateway.getPublic());
            assertThat(o.cachedDataKeys()).isEqualTo(Math.min(epoch, 2));
            assertThat(o.cachedSignatures()).isEqualTo(Math.min(epoch, 2));
            sealer.newEpoch();
        }
    }

    /** A payload the Point type refuses is as permanent as a bad encoding: PAYLOAD_MALFORMED. */
    @Test
    void anAuthenticatedPayloadThatIsNotABatchIsPayloadMalformed() throws Exception {
        KeyPair receiver = sm2();
        EnvelopeSealer sealer =
                new EnvelopeSealer("gw-01", receiver.getPublic(), null, new SecureRandom());
        EnvelopeOpener o = opener(receiver, false);
        for (byte[] bad :
                new byte[][] {
                    new byte[] {9}, new byte[] {1, 0, 0}, PointBatch.deflate(new byte[] {1}, 1)
                }) {
            assertThat(messageOf(o, sealer.seal(1, 0, bad, false)))
                    .startsWith("PAYLOAD_MALFORMED: authenticated payload is not a point batch: ");
        }
        assertThat(messageOf(o, sealer.seal(1, 0, new byte[] {1, 2, 3}, true)))
                .startsWith(
                        "PAYLOAD_MALFORMED: authenticated payload is not a point batch: deflate");
    }

    /** A gateway id comes from the peer: control characters never reach a log line raw. */
    @Test
    void aForeignGatewayIdIsEscapedInTheRejection() throws Exception {
        KeyPair receiver = sm2();
        String evil = "gw\u001b[2J\nFAKE LOG LINE";
        byte[] env =
                new EnvelopeSealer(evil, receiver.getPublic(), null, new SecureRandom())
                        .seal(1, 0, new byte[] {1}, false);
        assertThat(messageOf(opener(receiver, false), env))
                .isEqualTo(
                        "GATEWAY_MISMATCH: envelope says gateway \"gw\\u001b[2J\\u000aFAKE LOG"
                                + " LINE\" but the TLS client certificate is for \"gw-01\"");
        assertThat(Envelope.printable("plain é 中")).isEqualTo("plain é 中");
    }
}
