package io.weir.tools.uplink;

import io.weir.host.uplink.UplinkPki;
import io.weir.receiver.Receiver;
import io.weir.tools.cli.HostPort;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code weir receiver --listen HOST:PORT --pki DIR --out FILE [--db URL]}. */
@Command(
        name = "receiver",
        mixinStandardHelpOptions = true,
        header = "Run the cloud-side uplink receiver.",
        description = {
            "Terminate mutual TLS from gateways, open SM4 envelopes, store each batch exactly once"
                    + " (deduplicated by gateway, epoch and sequence in the database) and acknowledge"
                    + " it. Writes one JSON object per point per line to --out.",
            "Several receivers may share one database (e.g. --db"
                    + " 'jdbc:h2:tcp://dbhost/weir-ingest' or a file URL with AUTO_SERVER=TRUE)."
        })
public final class ReceiverCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = "--listen",
            required = true,
            converter = HostPort.Converter.class,
            description = "Address to listen on, e.g. 0.0.0.0:7443.")
    HostPort listen;

    @Option(names = "--pki", required = true, description = "PKI directory from `weir pki init`.")
    Path pki;

    @Option(names = "--out", description = "Append decrypted points here as JSON lines.")
    Path out;

    @Option(
            names = "--db",
            description =
                    "JDBC URL of the ingest database"
                            + " (default: jdbc:h2:file:<PKI>/../weir-ingest;AUTO_SERVER=TRUE).")
    String db;

    @Option(
            names = "--require-signature",
            description = "Reject envelopes without the per-epoch SM2/ECDSA origin signature.")
    boolean requireSignature;

    @Option(names = "--tls12", description = "Also accept TLS 1.2 (standard mode only).")
    boolean tls12;

    @Override
    public Integer call() throws Exception {
        UplinkPki p = new UplinkPki(pki);
        String url =
                db != null
                        ? db
                        : "jdbc:h2:file:"
                                + pki.toAbsolutePath().getParent().resolve("weir-ingest")
                                + ";AUTO_SERVER=TRUE";
        Receiver.Config cfg =
                Receiver.Config.fromPki(p, listen.host(), listen.port(), url, out)
                        .withRequireSignature(requireSignature)
                        .withTls12(tls12);
        Receiver rx = Receiver.start(cfg);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    rx.close();
                                    done.countDown();
                                },
                                "receiver-shutdown"));
        spec.commandLine()
                .getOut()
                .println(
                        "receiver listening on "
                                + listen.host()
                                + ":"
                                + rx.port()
                                + " ("
                                + cfg.tls().mode()
                                + " TLS), database "
                                + url
                                + (out != null ? ", points to " + out : ""));
        spec.commandLine().getOut().flush();
        done.await();
        return 0;
    }
}
