package io.weir.tools.uplink;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.host.uplink.ShangMi;
import io.weir.host.uplink.UplinkPki;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PkiCommandTest {
    @TempDir Path tmp;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    int run(String... args) {
        CommandLine cl = new CommandLine(new PkiCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void initWritesCertificatesAndOwnerOnlyKeys() throws Exception {
        Path dir = tmp.resolve("pki");
        assertThat(run("init", "--dir", dir.toString())).isZero();
        for (String key :
                new String[] {
                    "ca.key", "receiver.key", "receiver-envelope.key", "gateways/gw-01.key"
                }) {
            assertThat(
                            PosixFilePermissions.toString(
                                    Files.getPosixFilePermissions(dir.resolve(key))))
                    .as(key)
                    .isEqualTo("rw-------");
        }
        X509Certificate gw = UplinkPki.readCertificate(dir.resolve("gateways/gw-01.crt"));
        X509Certificate ca = UplinkPki.readCertificate(dir.resolve("ca.crt"));
        gw.verify(ca.getPublicKey(), ShangMi.provider());
        assertThat(UplinkPki.commonName(gw)).isEqualTo("gw-01");
        assertThat(ShangMi.isSm2(gw.getPublicKey())).isTrue();
        assertThat(gw.getSigAlgName()).isEqualToIgnoringCase("SM3WITHSM2");
        assertThat(ShangMi.isSm2(UplinkPki.readPublicKey(dir.resolve("receiver-envelope.pub"))))
                .isTrue();
        assertThat(out.toString()).contains("created sm2 PKI");

        assertThat(run("init", "--dir", dir.toString())).isNotZero();
        assertThat(err.toString()).contains("a CA already exists here");
    }

    @Test
    void ecdsaPkiStillHasAnSm2EnvelopeKey() throws Exception {
        Path dir = tmp.resolve("pki");
        assertThat(
                        run(
                                "init",
                                "--dir",
                                dir.toString(),
                                "--gateway-alg",
                                "ecdsa",
                                "--gateway",
                                "line-3"))
                .isZero();
        X509Certificate gw = UplinkPki.readCertificate(dir.resolve("gateways/line-3.crt"));
        assertThat(ShangMi.isSm2(gw.getPublicKey())).isFalse();
        assertThat(gw.getSigAlgName()).isEqualToIgnoringCase("SHA256WITHECDSA");
        assertThat(ShangMi.isSm2(UplinkPki.readPublicKey(dir.resolve("receiver-envelope.pub"))))
                .isTrue();
    }

    @Test
    void issueAddsAGatewayAndRefusesBadInput() throws Exception {
        Path dir = tmp.resolve("pki");
        run("init", "--dir", dir.toString());
        assertThat(run("issue", "--dir", dir.toString(), "--name", "gw-02")).isZero();
        assertThat(Files.exists(dir.resolve("gateways/gw-02.crt"))).isTrue();
        assertThat(
                        PosixFilePermissions.toString(
                                Files.getPosixFilePermissions(dir.resolve("gateways/gw-02.key"))))
                .isEqualTo("rw-------");
        assertThat(run("issue", "--dir", dir.toString(), "--name", "gw-02")).isNotZero();
        assertThat(err.toString()).contains("already issued");
        assertThat(run("issue", "--dir", dir.toString(), "--name", "bad name")).isNotZero();
        assertThat(err.toString()).contains("must be 1-64 characters");
        assertThat(run("issue", "--dir", tmp.resolve("nowhere").toString(), "--name", "x"))
                .isNotZero();
        assertThat(err.toString()).contains("is not a Weir PKI directory");
        assertThat(run("init", "--dir", tmp.resolve("p2").toString(), "--gateway-alg", "rsa"))
                .isNotZero();
        assertThat(err.toString()).contains("certificate algorithm \"rsa\" unknown");
    }
}
