package io.weir.receiver;

import static io.weir.receiver.EnvelopeInterop.HEX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weir.host.uplink.EnvelopeRejected;
import io.weir.host.uplink.EnvelopeRejected.Reason;
import io.weir.host.uplink.ShangMi;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weir's ShangMi against sm-crypto (npm, the JavaScript implementation many Chinese web and IoT
 * projects use), run by Node from {@code src/test/interop} (installed from its lockfile by the
 * Maven build), in both directions: SM3, SM4 ECB/CBC, SM2 encryption and signatures, and whole
 * envelopes (SM4-GCM by kona-crypto: sm-crypto has none). Pins the trap of UPLINK.md §4.2:
 * sm-crypto writes C1 without the 0x04 prefix.
 */
class SmCryptoInteropIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;
    EnvelopeInterop.Keys keys;
    EnvelopeInterop.Peer peer;

    /** Runs requests through sm-crypto.js; each result in order, failing on an error. */
    static List<JsonNode> smCrypto(ObjectNode... requests) throws Exception {
        Path dir =
                Path.of(
                        System.getProperty("weir.root", "../.."),
                        "tools/receiver/src/test/interop");
        assertThat(dir.resolve("node_modules/sm-crypto"))
                .as("sm-crypto installed by the Maven build (npm ci in %s)", dir)
                .exists();
        ArrayNode in = JSON.createArrayNode().addAll(Arrays.asList(requests));
        Process p =
                new ProcessBuilder("node", "sm-crypto.js")
                        .directory(dir.toFile())
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
        p.getOutputStream().write(JSON.writeValueAsBytes(in));
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        JsonNode results = JSON.readTree(out);
        for (JsonNode r : results) {
            assertThat(r.has("error")).as("sm-crypto: %s", r).isFalse();
        }
        List<JsonNode> list = new java.util.ArrayList<>();
        results.forEach(list::add);
        return list;
    }

    static ObjectNode op(String op, String... kv) {
        ObjectNode n = JSON.createObjectNode().put("op", op);
        for (int i = 0; i < kv.length; i += 2) {
            n.put(kv[i], kv[i + 1]);
        }
        return n;
    }

    static JsonNode one(ObjectNode request) throws Exception {
        return smCrypto(request).get(0);
    }

    @BeforeEach
    void setUp() throws Exception {
        keys = EnvelopeInterop.Keys.create(tmp.resolve("pki"));
        String envPub = HEX.formatHex(EnvelopeInterop.point(keys.envelopePublic()));
        String envKey = HEX.formatHex(EnvelopeInterop.scalar(keys.envelopePrivate()));
        String gwPub = HEX.formatHex(EnvelopeInterop.point(keys.gatewayPublic()));
        String gwKey = HEX.formatHex(EnvelopeInterop.scalar(keys.gatewayPrivate()));
        peer =
                new EnvelopeInterop.Peer() {
                    @Override
                    public byte[] sm3(byte[] data) throws Exception {
                        return HEX.parseHex(
                                one(op("sm3", "msg", HEX.formatHex(data))).get("digest").asText());
                    }

                    @Override
                    public byte[] wrap(byte[] dek) throws Exception {
                        String ct =
                                one(op("encrypt", "pub", envPub, "msg", HEX.formatHex(dek)))
                                        .get("ct")
                                        .asText();
                        // sm-crypto's C1 is x || y: the envelope's carries the 04 prefix.
                        return HEX.parseHex("04" + ct);
                    }

                    @Override
                    public byte[] unwrap(byte[] wrapped) throws Exception {
                        String ct = HEX.formatHex(wrapped).substring(2);
                        return HEX.parseHex(
                                one(op("decrypt", "priv", envKey, "ct", ct)).get("msg").asText());
                    }

                    @Override
                    public byte[] sign(byte[] message) throws Exception {
                        return HEX.parseHex(
                                one(op(
                                                "sign",
                                                "priv",
                                                gwKey,
                                                "pub",
                                                gwPub,
                                                "msg",
                                                HEX.formatHex(message)))
                                        .get("sig")
                                        .asText());
                    }

                    @Override
                    public boolean verify(byte[] message, byte[] signature) throws Exception {
                        return one(op(
                                        "verify",
                                        "pub",
                                        gwPub,
                                        "msg",
                                        HEX.formatHex(message),
                                        "sig",
                                        HEX.formatHex(signature)))
                                .get("ok")
                                .asBoolean();
                    }
                };
    }

    @Test
    void weirSealsSmCryptoOpens() throws Exception {
        EnvelopeInterop.weirSealsPeerOpens(keys, peer);
    }

    @Test
    void smCryptoSealsWeirOpens() throws Exception {
        EnvelopeInterop.peerSealsWeirOpens(keys, peer);
    }

    @Test
    void sm3() throws Exception {
        SecureRandom r = new SecureRandom();
        for (int len : new int[] {0, 3, 64, 65, 10_000}) {
            byte[] m = new byte[len];
            r.nextBytes(m);
            assertThat(peer.sm3(m)).as("%d bytes", len).isEqualTo(ShangMi.sm3(m));
        }
    }

    @Test
    void sm4EcbAndCbcBothWays() throws Exception {
        SecureRandom r = new SecureRandom();
        byte[] key = new byte[16];
        byte[] iv = new byte[16];
        byte[] msg = new byte[16 * 50];
        r.nextBytes(key);
        r.nextBytes(iv);
        r.nextBytes(msg);
        for (String mode : new String[] {"ecb", "cbc"}) {
            byte[] byWeir = OpenSslInteropIT.sm4(true, mode, key, iv, msg);
            List<JsonNode> res =
                    smCrypto(
                            op(
                                    "sm4",
                                    "mode",
                                    mode,
                                    "key",
                                    HEX.formatHex(key),
                                    "iv",
                                    HEX.formatHex(iv),
                                    "msg",
                                    HEX.formatHex(msg)),
                            op(
                                            "sm4",
                                            "mode",
                                            mode,
                                            "key",
                                            HEX.formatHex(key),
                                            "iv",
                                            HEX.formatHex(iv),
                                            "msg",
                                            HEX.formatHex(byWeir))
                                    .put("decrypt", true));
            assertThat(HEX.parseHex(res.get(0).get("out").asText())).as(mode).isEqualTo(byWeir);
            assertThat(HEX.parseHex(res.get(1).get("out").asText())).isEqualTo(msg);
        }
    }

    @Test
    void sm2SignaturesWithTheDefaultUserIdBothWays() throws Exception {
        byte[] msg = "SME1-EPOCH".getBytes(StandardCharsets.US_ASCII);
        assertThat(peer.verify(msg, ShangMi.sign(keys.gatewayPrivate(), msg))).isTrue();
        assertThat(ShangMi.verify(keys.gatewayPublic(), msg, peer.sign(msg))).isTrue();
    }

    /** The trap: sm-crypto's ciphertext as it is (C1 without 04) is refused by name. */
    @Test
    void smCryptoCiphertextWithoutThePrefixIsRefusedWithItsName() throws Exception {
        byte[] dek = new byte[16];
        new SecureRandom().nextBytes(dek);
        byte[] asSmCryptoWritesIt = Arrays.copyOfRange(peer.wrap(dek), 1, 113);
        byte[] env =
                Sme1.of("gw-01", 5, 1, keys.envelopePublic(), asSmCryptoWritesIt, null, false)
                        .seal(new byte[] {1}, EnvelopeInterop.konaGcm(dek));
        EnvelopeOpener opener =
                new EnvelopeOpener(
                        List.of(keys.envelopePrivate()), List.of(keys.envelopePublic()), false);
        assertThatThrownBy(() -> opener.open(env, "gw-01", null))
                .isInstanceOfSatisfying(
                        EnvelopeRejected.class,
                        e -> {
                            assertThat(e.reason()).isEqualTo(Reason.MALFORMED);
                            assertThat(e.getMessage())
                                    .contains("wrapped_len 112", "omits C1's 0x04 prefix");
                        });
    }
}
