package io.weir.receiver;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.host.uplink.UplinkConfig;
import io.weir.host.uplink.UplinkPki;
import io.weir.host.uplink.UplinkTls;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration mistakes are refused with a message that says what to do. */
class UplinkConfigTest {
    @TempDir Path tmp;

    @Test
    void missingPkiDirectory() {
        assertThatThrownBy(
                        () ->
                                UplinkConfig.forGateway(
                                        new UplinkPki(tmp.resolve("none")),
                                        "gw",
                                        "h",
                                        1,
                                        "jdbc:h2:mem:x"))
                .hasMessageContaining("is not a Weir PKI directory (run `weir pki init`)");
    }

    @Test
    void badNumbers() throws Exception {
        UplinkPki pki = PkiIssuer.init(tmp.resolve("pki"), UplinkPki.Algorithm.ECDSA, "gw");
        UplinkConfig cfg = UplinkConfig.forGateway(pki, "gw", "127.0.0.1", 7443, "jdbc:h2:mem:x");
        assertThatThrownBy(() -> new UplinkConfig.Batching(0, Duration.ZERO, 1))
                .hasMessageContaining("batch size must be >= 1");
        assertThatThrownBy(() -> new UplinkConfig.Batching(1, Duration.ZERO, 0))
                .hasMessageContaining("window must be 1..1024");
        assertThatThrownBy(() -> UplinkConfig.forGateway(pki, "gw", "h", 70000, "x"))
                .hasMessageContaining("port must be 1..65535");
    }

    @Test
    void tlsModeMustMatchTheCertificates() throws Exception {
        UplinkPki ecdsa = PkiIssuer.init(tmp.resolve("e"), UplinkPki.Algorithm.ECDSA, "gw");
        UplinkPki sm2 = PkiIssuer.init(tmp.resolve("s"), UplinkPki.Algorithm.SM2, "gw");
        assertThatThrownBy(
                        () ->
                                UplinkTls.create(
                                        UplinkTls.Mode.GM,
                                        false,
                                        false,
                                        UplinkPki.readCertificates(ecdsa.gatewayCert("gw")),
                                        UplinkPki.readPrivateKey(ecdsa.gatewayKey("gw")),
                                        UplinkPki.readCertificates(ecdsa.caCert())))
                .hasMessageContaining("GM TLS needs an SM2 certificate key");
        assertThatThrownBy(
                        () ->
                                UplinkTls.create(
                                        UplinkTls.Mode.STANDARD,
                                        false,
                                        false,
                                        UplinkPki.readCertificates(sm2.gatewayCert("gw")),
                                        UplinkPki.readPrivateKey(sm2.gatewayKey("gw")),
                                        UplinkPki.readCertificates(sm2.caCert())))
                .hasMessageContaining("standard TLS cannot use SM2 certificates");
        assertThatThrownBy(
                        () ->
                                UplinkTls.create(
                                        UplinkTls.Mode.GM,
                                        false,
                                        true,
                                        UplinkPki.readCertificates(sm2.gatewayCert("gw")),
                                        UplinkPki.readPrivateKey(sm2.gatewayKey("gw")),
                                        UplinkPki.readCertificates(sm2.caCert())))
                .hasMessageContaining("GM mode is TLS 1.3 only");
        assertThatThrownBy(() -> UplinkPki.readCertificates(tmp.resolve("nope.crt")))
                .hasMessage(tmp.resolve("nope.crt") + ": missing");
    }
}
