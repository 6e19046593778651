package io.weir.tools.uplink;

import io.weir.host.uplink.UplinkPki;
import io.weir.receiver.PkiIssuer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code weir pki init --dir DIR [--gateway-alg sm2|ecdsa] [--gateway NAME]}. */
@Command(
        name = "init",
        mixinStandardHelpOptions = true,
        description = {
            "Create a CA, the receiver's TLS certificate, one gateway certificate and the"
                    + " receiver's SM2 envelope key pair in DIR. Private keys are written 0600.",
            "sm2 certificates select GM TLS (RFC 8998 TLS_SM4_GCM_SM3); ecdsa selects standard"
                    + " TLS 1.3. The envelope key is always SM2."
        })
public final class PkiInitCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--dir", required = true, description = "PKI directory (created if missing).")
    Path dir;

    @Option(
            names = "--gateway-alg",
            defaultValue = "sm2",
            description = "Certificate key algorithm: sm2 or ecdsa (default: ${DEFAULT-VALUE}).")
    String alg;

    @Option(
            names = "--gateway",
            defaultValue = UplinkPki.DEFAULT_GATEWAY,
            description =
                    "Name (certificate CN and gateway id) of the first gateway (default: ${DEFAULT-VALUE}).")
    String gateway;

    @Override
    public Integer call() throws Exception {
        UplinkPki pki = PkiIssuer.init(dir, UplinkPki.Algorithm.parse(alg), gateway);
        PrintWriter out = spec.commandLine().getOut();
        out.println("created " + alg + " PKI in " + dir);
        out.println("  CA                 " + pki.caCert() + " (key ca.key, 0600)");
        out.println("  receiver TLS       " + pki.receiverCert() + " (key receiver.key, 0600)");
        out.println(
                "  receiver envelope  "
                        + pki.envelopePublicKey()
                        + " (key receiver-envelope.key, 0600)");
        out.println("  gateway " + gateway + "   " + pki.gatewayCert(gateway) + " (key, 0600)");
        out.flush();
        return 0;
    }
}
