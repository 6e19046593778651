package io.weir.tools.uplink;

import io.weir.host.uplink.UplinkPki;
import io.weir.receiver.PkiIssuer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code weir pki issue --dir DIR --name GW [--days N]}. */
@Command(
        name = "issue",
        mixinStandardHelpOptions = true,
        description =
                "Issue a certificate for another gateway from the CA in DIR (key written 0600).")
public final class PkiIssueCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = "--dir",
            required = true,
            description = "PKI directory made by `weir pki init`.")
    Path dir;

    @Option(
            names = "--name",
            required = true,
            description = "Gateway name: certificate CN and gateway id.")
    String name;

    @Option(
            names = "--days",
            defaultValue = "825",
            description = "Validity in days (default: ${DEFAULT-VALUE}).")
    int days;

    @Override
    public Integer call() throws Exception {
        if (days < 1) {
            throw new IllegalArgumentException("--days must be >= 1, got " + days);
        }
        UplinkPki pki = new UplinkPki(dir);
        Instant now = Instant.now();
        PkiIssuer.issue(pki, name, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(days)));
        spec.commandLine()
                .getOut()
                .println(
                        "issued "
                                + pki.gatewayCert(name)
                                + " and "
                                + pki.gatewayKey(name)
                                + " (0600)");
        spec.commandLine().getOut().flush();
        return 0;
    }
}
